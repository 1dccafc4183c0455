#!/bin/sh
# The window sets its icon (48 and 128 px, drawn from assets/icon/attnlab.svg)
# and its WM_CLASS is "attnlab", the name the .desktop entry's StartupWMClass
# gives: read back from the X server with xprop while the window is open.
# Run under xvfb-run:  window_icon.sh ATTNLAB XPROP STATE_DIR
attnlab=$1 xprop=$2
ATTNLAB_STATE_DIR=$3 "$attnlab" --frames 100000 >/dev/null 2>&1 &
pid=$!
props=
for i in $(seq 1 100); do
  props=$("$xprop" -name attnlab _NET_WM_ICON WM_CLASS 2>/dev/null | grep -E 'Icon \(|WM_CLASS')
  case "$props" in *"Icon (128 x 128)"*) break ;; esac
  sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "$props"
case "$props" in
  *"Icon (48 x 48)"*"Icon (128 x 128)"*'WM_CLASS(STRING) = "attnlab", "attnlab"'*) echo "window icon: ok" ;;
  *) echo "the window has no attnlab icon of 48 and 128 px, or another WM_CLASS" >&2; exit 1 ;;
esac
