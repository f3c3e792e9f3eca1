package server

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/portfolio-sio/portfolio/internal/store"
)

// Hostile documents (issue #24, points 2, 3, 4 and 7), each refused at
// upload with a French message, and each stored straight into the store
// (as a file kept before the checks existed) left out of the dossier with
// a note while the other documents still come out.

// pngChunk writes one PNG chunk.
func pngChunk(b *bytes.Buffer, kind string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// hugePNG is a 10,000 × 8,000 16-bit RGBA interlaced PNG of zeros: about
// 620 KB that decode to 640 MB (made once: compressing takes seconds).
var hugePNG = sync.OnceValue(func() []byte {
	const w, h, bpp = 10000, 8000, 8
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = 16, 6, 1 // 16-bit, RGBA, Adam7
	pngChunk(&b, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+w*bpp)
	for _, p := range [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		x0, y0, dx, dy := p[0], p[1], p[2], p[3]
		pw, ph := (w-x0+dx-1)/dx, (h-y0+dy-1)/dy
		for range ph {
			_, _ = zw.Write(row[:1+pw*bpp])
		}
	}
	_ = zw.Close()
	pngChunk(&b, "IDAT", z.Bytes())
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
})

// rawPDF assembles a PDF from its objects (1 is the catalog), with a
// correct cross-reference table.
func rawPDF(objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// millionPagesPDF lists one page three million times (18 MB).
var millionPagesPDF = sync.OnceValue(func() []byte {
	kids := strings.Repeat("3 0 R ", 3_000_000)
	return rawPDF("<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 3000000 /Kids ["+kids+"] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
})

// inflatingPDF is a one-page PDF with a stream of 300 MB of zeros, about
// 300 KB compressed.
var inflatingPDF = sync.OnceValue(func() []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for range 300 {
		_, _ = zw.Write(zero)
	}
	_ = zw.Close()
	return rawPDF("<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length "+strconv.Itoa(z.Len())+" /Filter /FlateDecode >>\nstream\n"+z.String()+"\nendstream")
})

// encryptedPDF is a PDF protected with AES-128, with an empty user
// password (it opens without one) or a real one.
func encryptedPDF(t *testing.T, userPW string) []byte {
	t.Helper()
	conf := model.NewAESConfiguration(userPW, "mot-de-passe-proprietaire", 128)
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(attestationPDF(t, "Attestation chiffrée")), &out, conf); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestHostileAttestationsAreRefusedAtUpload: each hostile file is refused
// with a French message (422), nothing stored; a PDF protected by an owner
// password only is accepted, kept decrypted, and merges.
func TestHostileAttestationsAreRefusedAtUpload(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"scan.png", hugePNG(), "occuperait 610 Mo une fois ouverte"},
		{"pages.pdf", millionPagesPDF(), "plus de 50 pages"},
		{"bombe.pdf", inflatingPDF(), "se décompresse en plus de 256 Mo"},
		{"secret.pdf", encryptedPDF(t, "secret"), "protégé par un mot de passe"},
		{"abime.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("garbage "), 100)...), "illisible"},
	} {
		start := time.Now()
		res := sc.leaC.upload(s1+"/attestations", "files", c.name, c.data)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.body, c.name, c.want, "Rien n&#39;a été enregistré.")
		t.Logf("%s (%d KB): refused in %v", c.name, len(c.data)>>10, time.Since(start).Round(time.Millisecond))
	}
	if atts, _ := sc.app.store.Attestations(context.Background(), sc.lea.ID); len(atts[lastID(s1)]) != 0 {
		t.Fatalf("stored: %+v", atts)
	}
	// Owner password only: accepted, stored decrypted, in the merged dossier.
	wantStatus(t, sc.leaC.upload(s1+"/attestations", "files", "protege.pdf", encryptedPDF(t, "")), http.StatusSeeOther)
	acceptLast(t, sc, s1)
	res := sc.leaC.get("/dossier.pdf")
	wantStatus(t, res, http.StatusOK)
	if text := pdfText(t, []byte(res.body)); !strings.Contains(text, "Attestation chiffrée") || strings.Contains(text, "non inclus") {
		t.Errorf("merged dossier:\n%.600s", text)
	}
}

// acceptLast has the teacher accept the stage's last attestation.
func acceptLast(t *testing.T, sc *stageClass, stage string) {
	t.Helper()
	atts, _ := sc.app.store.Attestations(context.Background(), sc.lea.ID)
	list := atts[lastID(stage)]
	aid := list[len(list)-1].ID
	staff := "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/stages/" + strconv.FormatInt(lastID(stage), 10)
	wantStatus(t, sc.profC.post(staff+"/attestations/"+strconv.FormatInt(aid, 10)+"/decision", decision(t, sc.app, sc.lea.ID, aid, "accept", "")), http.StatusSeeOther)
}

// storeAttestation puts a file straight into the store, accepted, as one
// kept before the upload checks existed.
func storeAttestation(t *testing.T, sc *stageClass, stage, name, mime string, data []byte) {
	t.Helper()
	dir := filepath.Join(sc.app.store.FilesDir(), "tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "test-"+strconv.Itoa(len(data)))
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sc.app.store.AddAttestation(context.Background(), store.Attestation{StageID: lastID(stage), StudentID: sc.lea.ID,
		Filename: name, Hash: fmt.Sprintf("%064x", len(data)), Size: int64(len(data)), Mime: mime}, tmp, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	acceptLast(t, sc, stage)
}

// TestHostileStoredAttestationsLeaveTheDossierWhole: hostile files already
// in the store are left out of the dossier (PDF and ZIP), named on its
// first page and in LISEZMOI.txt; the other documents come out, for the
// student and the teacher, and the class's dossiers job finishes.
func TestHostileStoredAttestationsLeaveTheDossierWhole(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
	s2 := createStage(t, sc.leaC, "/stages", stageForm("2", "Agence", "2027-01-04", "2027-02-12"))
	storeAttestation(t, sc, s1, "scan.png", "image/png", hugePNG())
	storeAttestation(t, sc, s2, "chiffre.pdf", "application/pdf", encryptedPDF(t, "secret"))
	for _, c := range []*client{sc.leaC, sc.profC} {
		path := "/dossier"
		if c == sc.profC {
			path = "/students/" + strconv.FormatInt(sc.lea.ID, 10) + "/dossier"
		}
		res := c.get(path + ".pdf")
		wantStatus(t, res, http.StatusOK)
		text := pdfText(t, []byte(res.body))
		for _, want := range []string{"Documents non inclus dans ce dossier", "LEA_Prenom_3_attestation_stage_1A_Mairie.png", "610 Mo",
			"LEA_Prenom_3_attestation_stage_2A_Agence.pdf", "protégé par un mot de passe", "Synthèse du portfolio"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s.pdf lacks %q:\n%.1500s", path, want, text)
			}
		}
		res = c.get(path + ".zip")
		wantStatus(t, res, http.StatusOK)
		entries := zipEntries(t, res.body)
		var names []string
		for n := range entries {
			names = append(names, n)
			if strings.Contains(n, "_3_attestation") {
				t.Errorf("the ZIP holds the refused %s", n)
			}
		}
		readme := entries["LEA_Prenom_dossier/LISEZMOI.txt"]
		if !bytes.Contains(readme, []byte("LEA_Prenom_3_attestation_stage_1A_Mairie.png")) {
			t.Errorf("ZIP %v, LISEZMOI %q", names, readme)
		}
	}
}

// TestFiveDossierMergesOfAHugeImageStaySmall: five dossiers merged at once,
// each with the 622 KB PNG that decodes to 640 MB stored as an accepted
// attestation: the server's heap stays under 300 MB.
func TestFiveDossierMergesOfAHugeImageStaySmall(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
	storeAttestation(t, sc, s1, "scan.png", "image/png", hugePNG())
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var top uint64
		for {
			metrics.Read(sample)
			top = max(top, sample[0].Value.Uint64())
			select {
			case <-stop:
				peak <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := sc.app.login("lea@example.org").get("/dossier.pdf")
			if res.status != http.StatusOK || !strings.Contains(pdfText(t, []byte(res.body)), "Documents non inclus") {
				t.Errorf("dossier.pdf: %d", res.status)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if p := <-peak; p > 300<<20 {
		t.Errorf("peak heap %d MB, want < 300 MB", p>>20)
	} else {
		t.Logf("peak heap during five merges: %d MB", p>>20)
	}
}

// TestOneUserHoldsOnePDFSlot: a user's second PDF waits for their first
// while another user's goes through.
func TestOneUserHoldsOnePDFSlot(t *testing.T) {
	app := newTestApp(t)
	a, b := withSlotOwner(context.Background(), 1), withSlotOwner(context.Background(), 2)
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_ = app.srv.withPDFSlot(a, func() error { close(started); <-release; return nil })
	}()
	<-started
	second := make(chan struct{})
	go func() {
		_ = app.srv.withPDFSlot(a, func() error { close(second); return nil })
	}()
	if err := app.srv.withPDFSlot(b, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second:
		t.Fatal("the user's second PDF took another slot while their first held one")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-second

}
