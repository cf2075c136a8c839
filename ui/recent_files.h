#pragma once

#include <QStringList>

namespace afbs::ui {

// `list` with `item` moved (or added) to the front, at most `limit` long.
inline QStringList push_recent(QStringList list, const QString& item, int limit = 8) {
  list.removeAll(item);
  list.prepend(item);
  while (list.size() > limit)
    list.removeLast();
  return list;
}

}  // namespace afbs::ui
