// A Go program that writes its own CPU profile (runtime/pprof) to the file named
// by its argument: fib() under spin() for 0.6 s, then hash() for 0.3 s.
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func spin(d time.Duration) int {
	end := time.Now().Add(d)
	s := 0
	for time.Now().Before(end) {
		s += fib(20)
	}
	return s
}

//go:noinline
func hash(d time.Duration) int {
	end := time.Now().Add(d)
	x := 1
	for time.Now().Before(end) {
		for i := 0; i < 1000; i++ {
			x = x*31 + i
		}
	}
	return x
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	pprof.StartCPUProfile(f)
	spin(600 * time.Millisecond)
	hash(300 * time.Millisecond)
	pprof.StopCPUProfile()
	f.Close()
}
