#include <stdio.h>
#include <stdlib.h>

extern int lib_entry(int);

static inline int square(int x) { return x * x + (x >> 3); }

static inline int mix(int a, int b) {
    int r = square(a) ^ b;
    if (r & 1)
        r += square(b);
    return r;
}

static int helper(int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += mix(i, s);
    return s;
}

__attribute__((noinline)) int work(int n) { return helper(n) + mix(n, n + 1); }

__attribute__((noinline)) static int recurse(int n) {
    if (n <= 0)
        return square(n + 3);
    return recurse(n - 1) + mix(n, 7);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    printf("%d %d %d\n", work(n), recurse(n % 50), lib_entry(n));
    return 0;
}
