package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"

	"github.com/portfolio-sio/portfolio/internal/export"
	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/internal/store"
)

// seedStages gives the demo SISR 2019 student her two stages: the first,
// in year 1, with two weeks of carnet and an accepted attestation; the
// second, in year 2, without attestation yet. The réalisations of the
// stage cadres are linked to them. y is the first year of her BTS.
func seedStages(ctx context.Context, st *store.Store, student portfolio.User, profID int64, y int, now time.Time) error {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	// A stage runs from a Monday to a Friday: the Monday of the week of
	// the day, then whole weeks (5 in year 1, 6 in year 2).
	monday := func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }
	start1, start2 := monday(date(y+1, 5, 25)), monday(date(y+1, 11, 3))
	stages := []portfolio.Stage{
		{StudentID: student.ID, Kind: portfolio.KindStage, Year: 1, Organisation: "Mairie de Caen",
			Address: "Esplanade Jean-Marie Louvel\n14027 Caen Cedex 9", Service: "Direction des systèmes d’information",
			TutorName: "Claire Lefèvre", TutorFunction: "Responsable réseau", TutorEmail: "c.lefevre@caen.example.fr",
			TutorPhone: "02 31 00 00 00", Start: start1, End: start1.AddDate(0, 0, 7*4+4),
			Missions: "Étude de l’existant et segmentation du réseau en VLAN\nDocumentation technique"},
		{StudentID: student.ID, Kind: portfolio.KindStage, Year: 2, Organisation: "Normandie Réseaux",
			Address: "8 rue de l’Infogérance\n76000 Rouen", SIRET: "73282932000074", Service: "Infogérance",
			TutorName: "Marc Dubois", TutorFunction: "Administrateur systèmes", TutorEmail: "marc.dubois@normandie-reseaux.example.fr",
			Start: start2, End: start2.AddDate(0, 0, 7*5+4),
			Missions: "Supervision (Zabbix) et sauvegardes des serveurs clients\nSensibilisation des agents"},
	}
	reals, err := st.ListRealisations(ctx, student.ID, store.RealisationFilter{})
	if err != nil {
		return err
	}
	for i := range stages {
		s := &stages[i]
		id, _, err := st.SaveStage(ctx, *s, "", false)
		if err != nil {
			return err
		}
		s.ID = id
		cadre := portfolio.Cadre("stage1")
		if s.Year == 2 {
			cadre = "stage2"
		}
		for _, r := range reals {
			// Clamped to today, a réalisation may end before its stage
			// starts: it then stays unlinked.
			if r.Cadre == cadre && !r.StartDate().Before(s.Start) && !r.EndDate().After(s.End) {
				if _, err := st.DB.ExecContext(ctx, `UPDATE realisations SET stage_id = ? WHERE id = ?`, id, r.ID); err != nil {
					return err
				}
			}
		}
	}
	first := stages[0]
	var linked []int64
	for _, r := range reals {
		if r.Cadre == "stage1" {
			linked = append(linked, r.ID)
		}
	}
	for i, done := range []string{
		"Découverte du service, inventaire des commutateurs et relevé du plan d’adressage existant.",
		"Plan d’adressage des trois VLAN, maquette sous GNS3, validation avec la tutrice.",
	} {
		e := portfolio.LogEntry{StageID: first.ID, Week: start1.AddDate(0, 0, 7*i), Done: done, Hours: 35}
		if i == 1 {
			e.Realisations = linked
		}
		if err := st.SaveStageWeek(ctx, student.ID, e); err != nil {
			return err
		}
	}
	// Her signed attestation: the school's model, as the tutor signed it.
	var buf bytes.Buffer
	if err := export.AttestationPDF(&buf, export.AttestationDoc{Student: student, Stage: first, GeneratedAt: now,
		Contents: []string{"Segmentation du réseau de la mairie en VLAN", "Documentation technique du réseau"}}); err != nil {
		return err
	}
	tmpDir := filepath.Join(st.FilesDir(), "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(tmpDir, "upload-demo-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	aid, err := st.AddAttestation(ctx, store.Attestation{StageID: first.ID, StudentID: student.ID, Filename: "attestation-mairie-de-caen.pdf",
		Hash: hex.EncodeToString(sum[:]), Size: int64(buf.Len()), Mime: "application/pdf"}, tmp.Name(), 1<<40)
	if err != nil {
		return err
	}
	return st.DecideAttestation(ctx, student.ID, aid, profID, "", portfolio.AttestationAccepted, "")
}
