#!/usr/bin/env python3
"""Converts a 24- or 32-bit-per-pixel TrueColor XWD screen dump (xwd -root) to PNG, with only the standard
library: the workbench tour needs screenshots on machines without ImageMagick.
Usage: xwd_to_png.py SCREEN.xwd OUT.png [X Y WIDTH HEIGHT] (the last four crop a region)."""
import struct
import sys
import zlib


def main(source, target, crop=None):
    data = open(source, "rb").read()
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height, byte_order = fields[0], fields[4], fields[5], fields[7]
    bits_per_pixel, bytes_per_line, colours = fields[11], fields[12], fields[19]
    step = bits_per_pixel // 8  # Xvfb's 24-bit screens dump 3 bytes a pixel in wider lines
    offset = header_size + colours * 12
    left, top, width, height = crop or (0, 0, width, height)
    rows = []
    for y in range(top, top + height):
        line = data[offset + y * bytes_per_line: offset + (y + 1) * bytes_per_line]
        row = bytearray(b"\x00")  # PNG filter: none
        for x in range(left, left + width):
            pixel = line[x * step: x * step + step]
            row += bytes((pixel[2], pixel[1], pixel[0]) if byte_order == 0 else
                         (pixel[1], pixel[2], pixel[3]))
        rows.append(bytes(row))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" +
           chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))
    open(target, "wb").write(png)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], tuple(map(int, sys.argv[3:7])) if len(sys.argv) == 7 else None)
