#ifndef IMFL_NCURSESW_SHIM_H
#define IMFL_NCURSESW_SHIM_H
// ncursesw with its wide-character API. Several parts of the curses API are macros that Swift
// cannot import (getmaxyx, COLOR_PAIR, the A_* attributes, KEY_F); the inline functions below
// turn each into a function.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline int imfl_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int imfl_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline WINDOW *imfl_stdscr(void) { return stdscr; }
static inline int imfl_colors(void) { return COLORS; }
static inline int imfl_color_pairs(void) { return COLOR_PAIRS; }
static inline int imfl_key_f(int n) { return KEY_F(n); }
static inline attr_t imfl_color_pair(short n) { return COLOR_PAIR(n); }
static inline attr_t imfl_a_normal(void) { return A_NORMAL; }
static inline attr_t imfl_a_bold(void) { return A_BOLD; }
static inline attr_t imfl_a_dim(void) { return A_DIM; }
static inline attr_t imfl_a_underline(void) { return A_UNDERLINE; }
static inline attr_t imfl_a_reverse(void) { return A_REVERSE; }
static inline attr_t imfl_a_italic(void) { return A_ITALIC; }
static inline int imfl_key_resize(void) { return KEY_RESIZE; }
static inline int imfl_err(void) { return ERR; }

/// Writes one wide character with attributes and a colour pair at (y, x).
static inline int imfl_put_wch(int y, int x, wchar_t ch, attr_t attrs, short pair) {
    cchar_t cc;
    wchar_t wstr[2] = { ch, L'\0' };
    setcchar(&cc, wstr, attrs, pair, NULL);
    return mvadd_wch(y, x, &cc);
}
#endif
