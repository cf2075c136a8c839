#pragma once

#include <QApplication>
#include <QString>
#include <functional>

#include "core/common/thread_mailbox.h"

namespace afbs::ui {

// The workbench's top-level handler. Qt aborts the process when an exception leaves an event
// handler or a slot; this application catches it where Qt delivers the event (notify, which
// Qt 6 calls for events in every thread, the worker's included), and hands its message to
// the handler on the GUI thread, so the window stays up and the session can be saved.
class GuardedApplication : public QApplication {
  Q_OBJECT
 public:
  using Handler = std::function<void(const QString& what)>;

  GuardedApplication(int& argc, char** argv);

  // Called on the GUI thread, once per escaped exception, with its what() (or "an unknown
  // exception"). Without a handler the message goes to stderr only.
  void set_handler(Handler handler) { handler_ = std::move(handler); }
  int escaped_exceptions() const { return escaped_; }

  bool notify(QObject* receiver, QEvent* event) override;

 Q_SIGNALS:
  // A wake-up only: one report waits in the mailbox (see ThreadMailbox).
  void report_posted();

 private:
  void report(const QString& what);

  Handler handler_;
  int escaped_ = 0;        // GUI thread only
  ThreadMailbox reports_;  // from any thread to the GUI thread
};

}  // namespace afbs::ui
