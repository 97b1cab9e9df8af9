package main

import (
	"fmt"
	"os"
	"strings"
)

type counter struct{ n map[string]int }

func (c *counter) add(w string) { c.n[strings.ToLower(w)]++ }

//go:noinline
func crunch(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i % 7
	}
	return s
}

func main() {
	c := &counter{n: map[string]int{}}
	for _, a := range os.Args {
		c.add(a)
	}
	fmt.Println(len(c.n), crunch(len(os.Args)*1000))
}
