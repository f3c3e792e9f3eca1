package export

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// maxJPEGScans bounds the scans of a JPEG: a baseline photo has one, a
// progressive one about ten; hundreds of thousands of tiny scans make a
// small file that takes minutes to decode (found by an independent
// review).
const maxJPEGScans = 100

// jpegScans counts the scans (SOS segments) of a JPEG without decoding it.
func jpegScans(b []byte) int {
	scans := 0
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			i++
			continue
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD9: // end of image
			return scans
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // markers without a length
			i += 2
			continue
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
		if m != 0xDA {
			continue
		}
		scans++
		// The scan's entropy-coded data runs to the next marker (0xFF
		// followed by neither a stuffed zero nor a restart marker).
		for ; i+1 < len(b); i++ {
			if b[i] == 0xFF && b[i+1] != 0 && (b[i+1] < 0xD0 || b[i+1] > 0xD7) {
				break
			}
		}
	}
	return scans
}

// maxProgressiveBytes bounds what decoding a progressive JPEG holds: the
// image and, until the last scan, every DCT coefficient of every
// component (4 bytes each). A 50-megapixel progressive photo in 4:2:0
// needs about 450 MB; in 4:4:4, 750 MB.
const maxProgressiveBytes = 450 << 20

// jpegHeaders calls fn with each marker segment before the first scan
// (its marker and its payload), until fn returns false.
func jpegHeaders(b []byte, fn func(marker byte, payload []byte) bool) {
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if m == 0xDA || n < 2 || i+2+n > len(b) || !fn(m, b[i+4:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

// progressiveBytes is what decoding a progressive JPEG holds (image and
// coefficients), from its frame header; 0 for a baseline JPEG.
func progressiveBytes(b []byte) (total int64) {
	jpegHeaders(b, func(m byte, seg []byte) bool {
		switch {
		case m == 0xC0 || m == 0xC1:
			return false // baseline or extended: no coefficients held
		case m != 0xC2:
			return true // not the frame header yet
		case len(seg) < 6 || len(seg) < 6+3*int(seg[5]):
			return false
		}
		h, w, nc := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
		var hmax, vmax int64 = 1, 1
		for c := range nc {
			hmax, vmax = max(hmax, int64(seg[7+3*c]>>4)), max(vmax, int64(seg[7+3*c]&15))
		}
		total = w * h * 3
		for c := range nc {
			hc, vc := int64(seg[7+3*c]>>4), int64(seg[7+3*c]&15)
			total += (w*hc/hmax + 7) / 8 * ((h*vc/vmax + 7) / 8) * 64 * 4
		}
		return false
	})
	return total
}

// exifOrientation is the EXIF Orientation of a JPEG (1 to 8; 1 when it has
// none): how a phone says the photo is to be turned to be seen upright.
func exifOrientation(b []byte) (orientation int) {
	orientation = 1
	jpegHeaders(b, func(m byte, seg []byte) bool {
		if m != 0xE1 || len(seg) < 14 || string(seg[:6]) != "Exif\x00\x00" {
			return true
		}
		tiff := seg[6:]
		var order binary.ByteOrder
		switch string(tiff[:2]) {
		case "II":
			order = binary.LittleEndian
		case "MM":
			order = binary.BigEndian
		default:
			return false
		}
		ifd := int(order.Uint32(tiff[4:]))
		if ifd < 8 || ifd+2 > len(tiff) {
			return false
		}
		for e := range int(order.Uint16(tiff[ifd:])) {
			at := ifd + 2 + 12*e
			if at+12 > len(tiff) {
				return false
			}
			if order.Uint16(tiff[at:]) == 0x0112 && order.Uint16(tiff[at+2:]) == 3 {
				if o := int(order.Uint16(tiff[at+8:])); o >= 1 && o <= 8 {
					orientation = o
				}
				return false
			}
		}
		return false
	})
	return orientation
}

// shrink is src brought to nw × nh (no larger than src) by averaging the
// pixels of each box, on white: the source is read a band of rows at a
// time, so that memory stays the source and the result (a kernel scaler
// keeps a buffer of the result's width times the source's height).
func shrink(src image.Image, nw, nh int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	band := image.NewRGBA(image.Rect(0, 0, w, (h+nh-1)/nh+1))
	op := draw.Over
	if o, ok := src.(interface{ Opaque() bool }); ok && o.Opaque() {
		op = draw.Src
	}
	sum := make([]uint64, 4)
	for dy := range nh {
		y0, y1 := dy*h/nh, (dy+1)*h/nh
		rows := image.Rect(0, 0, w, y1-y0)
		if op == draw.Over {
			draw.Draw(band, rows, image.White, image.Point{}, draw.Src)
		}
		draw.Draw(band, rows, src, image.Pt(b.Min.X, b.Min.Y+y0), op)
		for dx := range nw {
			x0, x1 := dx*w/nw, (dx+1)*w/nw
			clear(sum)
			for y := 0; y < y1-y0; y++ {
				row := band.Pix[y*band.Stride+4*x0 : y*band.Stride+4*x1]
				for i := 0; i < len(row); i += 4 {
					sum[0] += uint64(row[i])
					sum[1] += uint64(row[i+1])
					sum[2] += uint64(row[i+2])
				}
			}
			n := uint64((x1 - x0) * (y1 - y0))
			o := dst.PixOffset(dx, dy)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n), 255
		}
	}
	return dst
}

// orient turns img as its EXIF orientation says (1: as it is).
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var tx, ty int
			switch orientation {
			case 2:
				tx, ty = w-1-x, y
			case 3:
				tx, ty = w-1-x, h-1-y
			case 4:
				tx, ty = x, h-1-y
			case 5:
				tx, ty = y, x
			case 6:
				tx, ty = h-1-y, x
			case 7:
				tx, ty = h-1-y, w-1-x
			case 8:
				tx, ty = y, w-1-x
			}
			copy(out.Pix[out.PixOffset(tx, ty):][:4], img.Pix[img.PixOffset(x, y):][:4])
		}
	}
	return out
}
