static inline int lib_twice(int x) { return 2 * x + (x >> 4); }

static int lib_loop(int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s ^= lib_twice(i + s);
    return s;
}

int lib_entry(int n) { return lib_loop(n) + lib_twice(n); }
