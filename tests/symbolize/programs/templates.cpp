#include <cstdio>
#include <vector>
#include <algorithm>
#include <string>

namespace shapes {
template <typename T> struct Box {
    T value;
    explicit Box(T v) : value(v) {}
    T scaled(T k) const { return value * k + static_cast<T>(1); }
};

template <typename T> T total(const std::vector<Box<T>> &boxes, T k) {
    T sum{};
    for (const auto &b : boxes)
        sum += b.scaled(k);
    return sum;
}

class Counter {
  public:
    __attribute__((noinline)) int bump(int by);
    static int calls;
};
int Counter::calls = 0;
int Counter::bump(int by) {
    calls += by;
    return calls;
}
} // namespace shapes

__attribute__((noinline)) double run(int n) {
    std::vector<shapes::Box<double>> boxes;
    for (int i = 0; i < n; i++)
        boxes.emplace_back(i * 0.5);
    std::sort(boxes.begin(), boxes.end(),
              [](const auto &a, const auto &b) { return a.value > b.value; });
    return shapes::total(boxes, 2.0) + shapes::total(std::vector<shapes::Box<double>>{}, 1.0);
}

__attribute__((noinline)) long run_int(int n) {
    std::vector<shapes::Box<long>> boxes(static_cast<size_t>(n), shapes::Box<long>(3));
    return shapes::total(boxes, 3L);
}

int main(int argc, char **) {
    shapes::Counter c;
    std::string s = std::to_string(argc);
    std::printf("%f %ld %d %s\n", run(argc * 100), run_int(argc * 10), c.bump(argc), s.c_str());
    return 0;
}
