package fpdf

import (
	"math"
	"testing"
)

// TestRectIsPrintf: the fast rectangle prints what fmt's %.2f did.
func TestRectIsPrintf(t *testing.T) {
	values := []float64{0, 1, -1, 0.005, 0.015, 0.125, 2.675, 123456.789, -98.765, 1e-9, 841.89, math.Copysign(0, -1)}
	for _, x := range values {
		for _, y := range values {
			var a, b fmtBuffer
			a.rect(x, y, -y, x/3, "S")
			b.printf("%.2f %.2f %.2f %.2f re %s ", x, y, -y, x/3, "S")
			if a.String() != b.String() {
				t.Fatalf("rect(%v, %v): %q, printf: %q", x, y, a.String(), b.String())
			}
		}
	}
}
