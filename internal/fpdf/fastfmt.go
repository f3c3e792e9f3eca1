package fpdf

import "strconv"

// Portfolio SIO: the rectangle of a bordered cell, formatted without fmt
// (a tableau draws about 1,400 of them; fmt's reflection was a fifth of
// its PDF). strconv's 'f' with precision 2 is what fmt's %.2f prints.
func (b *fmtBuffer) rect(x, y, w, h float64, op string) {
	var buf [96]byte
	out := buf[:0]
	for _, v := range [4]float64{x, y, w, h} {
		out = strconv.AppendFloat(out, v, 'f', 2, 64)
		out = append(out, ' ')
	}
	out = append(out, "re "...)
	out = append(out, op...)
	out = append(out, ' ')
	b.Buffer.Write(out)
}
