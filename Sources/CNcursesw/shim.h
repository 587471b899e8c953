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
#include <stdio.h>
#include <string.h>
#include <langinfo.h>

/// Writes one grapheme cluster (a base character and up to four combining characters).
static inline int imfl_put_cluster(int y, int x, const wchar_t *chars, int count, attr_t attrs, short pair) {
    cchar_t cc;
    wchar_t wstr[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    for (int i = 0; i < n; i++) wstr[i] = chars[i];
    wstr[n] = L'\0';
    if (setcchar(&cc, wstr, attrs, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cc);
}

/// Columns the C library gives a character in the current locale (curses uses the same),
/// -1 when it is not printable.
extern int wcwidth(wchar_t c);
static inline int imfl_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

/// Checks TERM against the terminfo database without exiting: 1 when usable, 0 when the
/// terminal type is unknown, -1 when no terminfo database was found.
static inline int imfl_check_term(const char *term) {
    int err = 0;
    if (setupterm(term, 1, &err) == OK) return 1;
    return err;
}

/// 1 when the terminal set up by imfl_check_term can move the cursor to any cell (terminfo
/// `cup`); without it (TERM=dumb) nothing but a first line can be drawn.
static inline int imfl_has_cursor_addressing(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

/// Starts curses on stdin/stdout for `term`; NULL instead of exiting when that fails.
static inline SCREEN *imfl_newterm(const char *term) { return newterm(term, stdout, stdin); }

/// Reads one key: returns ERR on timeout, KEY_CODE_YES for a function key, OK for a character.
static inline int imfl_get_wch(unsigned int *out) {
    wint_t w = 0;
    int r = get_wch(&w);
    *out = (unsigned int)w;
    return r;
}
static inline int imfl_key_code_yes(void) { return KEY_CODE_YES; }
static inline void imfl_timeout(int ms) { timeout(ms); }
static inline int imfl_keypad_on(void) { return keypad(stdscr, TRUE); }
static inline int imfl_clearok(void) { return clearok(stdscr, TRUE); }
static inline int imfl_has_colors(void) { return has_colors() ? 1 : 0; }

/// 1 when the C library's character set is UTF-8 after setlocale.
static inline int imfl_codeset_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

#endif
