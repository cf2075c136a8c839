namespace afbs {}
