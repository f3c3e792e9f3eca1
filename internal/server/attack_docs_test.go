package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
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

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
	"github.com/portfolio-sio/portfolio/internal/testdoc"
)

// Hostile documents (issue #24, points 2, 3, 4 and 7), each refused at
// upload with a French message, and each stored straight into the store
// (as a file kept before the checks existed) left out of the dossier with
// a note while the other documents still come out.

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
		{"scan.png", testdoc.HugePNG(), "occuperait 610 Mo une fois ouverte"},
		// pdfcpu reads its 18 MB in about 300 MB before our page count
		// refuses it; under the race detector that passes the job's
		// memory budget, a refusal too.
		{"pages.pdf", testdoc.MillionPagesPDF(), "plus de 50 pages|trop de temps ou de mémoire"},
		{"bombe.pdf", testdoc.InflatingPDF(), "se décompresse en plus de 256 Mo"},
		{"secret.pdf", encryptedPDF(t, "secret"), "protégé par un mot de passe"},
		{"abime.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("garbage "), 100)...), "illisible"},
	} {
		start := time.Now()
		res := sc.leaC.upload(s1+"/attestations", "files", c.name, c.data)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.body, c.name, "Rien n&#39;a été enregistré.")
		if alt := strings.Split(c.want, "|"); !strings.Contains(res.body, alt[0]) && (len(alt) == 1 || !strings.Contains(res.body, alt[1])) {
			t.Errorf("%s: the refusal says none of %q", c.name, alt)
		}
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

// storeAttestation puts a file straight into the store for lea,
// accepted, as one kept before the upload checks existed.
func storeAttestation(t *testing.T, sc *stageClass, stage, name, mime string, data []byte) {
	t.Helper()
	storeAttestationFor(t, sc, sc.lea.ID, stage, name, mime, data)
}

// storeAttestationFor is storeAttestation for any student of the class.
func storeAttestationFor(t *testing.T, sc *stageClass, student int64, stage, name, mime string, data []byte) {
	t.Helper()
	dir := filepath.Join(sc.app.store.FilesDir(), "tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(dir, "test-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
	hash := fmt.Sprintf("%x", sha256.Sum256(data))
	id, err := sc.app.store.AddAttestation(context.Background(), store.Attestation{StageID: lastID(stage), StudentID: student,
		Filename: name, Hash: hash, Size: int64(len(data)), Mime: mime}, f.Name(), 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.app.store.DecideAttestation(context.Background(), student, id, sc.prof.ID, hash, portfolio.AttestationAccepted, ""); err != nil {
		t.Fatal(err)
	}
}

// TestHostileStoredAttestationsLeaveTheDossierWhole: hostile files already
// in the store are left out of the dossier (PDF and ZIP), named on its
// first page and in LISEZMOI.txt; the other documents come out, for the
// student and the teacher, and the class's dossiers job finishes.
func TestHostileStoredAttestationsLeaveTheDossierWhole(t *testing.T) {
	sc := newStageClass(t)
	s1 := createStage(t, sc.leaC, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
	s2 := createStage(t, sc.leaC, "/stages", stageForm("2", "Agence", "2027-01-04", "2027-02-12"))
	storeAttestation(t, sc, s1, "scan.png", "image/png", testdoc.HugePNG())
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

// TestFiveDossierMergesOfAHugeImageStaySmall: five students' dossiers
// merged at once, each with the 622 KB PNG that decodes to 640 MB stored as
// an accepted attestation: the server's heap stays under 300 MB (its
// process's memory is measured from outside by cmd/portfolio's
// TestServeMemoryUnderHostileDossiers).
func TestFiveDossierMergesOfAHugeImageStaySmall(t *testing.T) {
	sc := newStageClass(t)
	var students []*client
	for i := range 5 {
		c, id := sc.leaC, sc.lea.ID
		if i > 0 {
			email := fmt.Sprintf("eleve%d@example.org", i)
			u := sc.app.addUser(email, portfolio.RoleStudent, "SISR")
			if err := sc.app.store.Enrol(context.Background(), sc.classID, u.ID); err != nil {
				t.Fatal(err)
			}
			c, id = sc.app.login(email), u.ID
		}
		st := createStage(t, c, "/stages", stageForm("1", "Mairie", "2026-05-25", "2026-06-26"))
		storeAttestationFor(t, sc, id, st, "scan.png", "image/png", testdoc.HugePNG())
		students = append(students, c)
	}
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
	results := make([]response, len(students))
	var wg sync.WaitGroup
	for i, c := range students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.get("/dossier.pdf")
		}()
	}
	wg.Wait()
	close(stop)
	for i, res := range results {
		if res.status != http.StatusOK || !strings.Contains(pdfText(t, []byte(res.body)), "Documents non inclus") {
			t.Errorf("student %d: dossier.pdf %d", i, res.status)
		}
	}
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
