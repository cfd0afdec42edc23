package main

import (
	"fmt"
	"slices"
)

// rpsSpread is the spread of requests/s over the repetitions of one
// measurement: a median alone would hide how far runs on a loaded machine
// disagree.
type rpsSpread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// spreadOf is the min, median and max requests/s of ws.
func spreadOf(ws []window) rpsSpread {
	if len(ws) == 0 {
		return rpsSpread{}
	}
	xs := make([]float64, len(ws))
	for i, w := range ws {
		xs[i] = w.RPS
	}
	return rpsSpread{Min: slices.Min(xs), Median: median(xs), Max: slices.Max(xs), N: len(xs)}
}

// ratioRange is "median (min–max)" of a/b over the repetitions, pairing
// the extremes so that the range is the widest the runs allow.
func ratioRange(a, b rpsSpread) string {
	if b.Median == 0 || b.Min == 0 || b.Max == 0 {
		return "n/a"
	}
	return fmt.Sprintf("×%.2f (%.2f–%.2f)", a.Median/b.Median, a.Min/b.Max, a.Max/b.Min)
}
