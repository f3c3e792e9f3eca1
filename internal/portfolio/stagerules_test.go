package portfolio

import (
	"strings"
	"testing"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

var rules2019 = &referentiel.StageRules{Total: 10, Year1: referentiel.Span{Min: 4, Max: 5}, Year2: referentiel.Span{Min: 5, Max: 6},
	Reduced: struct {
		Total float64 `json:"total"`
		Year2 float64 `json:"year2"`
	}{Total: 8, Year2: 4}}

func st(year int, kind StageKind, first, last string) Stage {
	return Stage{Year: year, Kind: kind, Start: isoDay(first), End: isoDay(last)}
}

func TestCheckStages(t *testing.T) {
	for _, c := range []struct {
		name          string
		stages        []Stage
		ok, reduced   bool
		total         float64
		missing, note string
	}{
		{"5 + 6 weeks", []Stage{st(1, KindStage, "2026-05-18", "2026-06-19"), st(2, KindStage, "2027-01-04", "2027-02-12")}, true, false, 11, "", ""},
		{"4 + 6 weeks", []Stage{st(1, KindStage, "2026-06-01", "2026-06-26"), st(2, KindStage, "2027-01-04", "2027-02-12")}, true, false, 10, "", ""},
		{"year 1 only", []Stage{st(1, KindStage, "2026-06-01", "2026-07-03")}, false, false, 5, "il manque 5 semaines", ""},
		{"3 weeks in year 1", []Stage{st(1, KindStage, "2026-06-01", "2026-06-19"), st(2, KindStage, "2027-01-04", "2027-02-12")}, false, true, 9, "il manque 1 semaine consécutive", ""},
		// Two stages that follow one another (Friday, then Monday) are one period.
		{"two back-to-back stages", []Stage{st(1, KindStage, "2026-06-01", "2026-06-12"), st(1, KindStage, "2026-06-15", "2026-06-26"), st(2, KindStage, "2027-01-04", "2027-02-12")}, true, false, 10, "", ""},
		// A gap breaks the run.
		{"a gap of one week", []Stage{st(1, KindStage, "2026-06-01", "2026-06-12"), st(1, KindStage, "2026-06-22", "2026-07-03"), st(2, KindStage, "2027-01-04", "2027-02-12")}, false, true, 10, "il manque 2 semaines consécutives", ""},
		// 8 weeks of which 4 consecutive in year 2: the reduced duration.
		{"reduced", []Stage{st(1, KindStage, "2026-06-01", "2026-06-19"), st(2, KindStage, "2027-01-04", "2027-02-05")}, false, true, 8, "il manque", ""},
		// 7 weeks: not even the reduced duration.
		{"7 weeks", []Stage{st(1, KindStage, "2026-06-01", "2026-06-19"), st(2, KindStage, "2027-01-04", "2027-01-29")}, false, false, 7, "il manque 3 semaines", ""},
		{"7 weeks in year 2", []Stage{st(1, KindStage, "2026-06-01", "2026-07-03"), st(2, KindStage, "2027-01-04", "2027-02-19")}, true, false, 12, "", "au-delà de 6 semaines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := CheckStages(rules2019, c.stages)
			if got.OK != c.ok || got.Reduced != c.reduced || got.Total != c.total {
				t.Fatalf("OK %v reduced %v total %v, want %v %v %v (%+v)", got.OK, got.Reduced, got.Total, c.ok, c.reduced, c.total, got.Lines)
			}
			var all []string
			for _, l := range got.Lines {
				all = append(all, l.Missing+" / "+l.Note)
			}
			joined := strings.Join(all, " | ")
			if c.missing != "" && !strings.Contains(joined, c.missing) {
				t.Errorf("missing %q not in %q", c.missing, joined)
			}
			if c.note != "" && !strings.Contains(joined, c.note) {
				t.Errorf("note %q not in %q", c.note, joined)
			}
			if c.ok && strings.Contains(joined, "il manque") {
				t.Errorf("OK but says %q", joined)
			}
		})
	}
	if c := CheckStages(nil, []Stage{st(1, KindStage, "2026-06-01", "2026-07-03")}); c.Known || c.OK || !strings.Contains(c.Note, "ne fixe pas de durée") {
		t.Errorf("no rules: %+v", c)
	}
	if c := CheckStages(rules2019, []Stage{st(1, KindAlternance, "2026-09-01", "2027-06-30")}); !c.Apprentice || !c.OK || !strings.Contains(c.Note, "certificat de travail") {
		t.Errorf("apprentice: %+v", c)
	}
}

func TestStageInputValidate(t *testing.T) {
	good := StageInput{Kind: "stage", Year: "2", Organisation: "ACME", TutorName: "Jeanne", Start: "04/01/2027", End: "2027-02-12",
		SIRET: "732 829 320 00074", TutorEmail: "j@acme.fr", TutorPhone: "+33 (0)4 72 00 00 00"}
	s, errs := good.Validate()
	if len(errs) > 0 || s.SIRET != "73282932000074" || s.Weeks() != 6 || s.Year != 2 {
		t.Fatalf("good stage: %+v %v", s, errs)
	}
	for field, change := range map[string]func(*StageInput){
		"kind":         func(in *StageInput) { in.Kind = "cdi" },
		"year":         func(in *StageInput) { in.Year = "3" },
		"organisation": func(in *StageInput) { in.Organisation = " " },
		"siret":        func(in *StageInput) { in.SIRET = "73282932000075" },
		"tutor_email":  func(in *StageInput) { in.TutorEmail = "jeanne at acme" },
		"tutor_phone":  func(in *StageInput) { in.TutorPhone = "appelez-moi" },
		"start":        func(in *StageInput) { in.Start = "31/02/2027" },
		"end":          func(in *StageInput) { in.End = "2026-12-31" },
	} {
		in := good
		change(&in)
		if _, errs := in.Validate(); !errs.Has(field) || len(errs) != 1 {
			t.Errorf("%s: errors %v", field, errs)
		}
	}
	long := good
	long.End = "2028-06-30"
	if _, errs := long.Validate(); !strings.Contains(errs["end"], "400 jours") {
		t.Errorf("a stage of 18 months: %v", errs)
	}
	weekend := good
	weekend.Start, weekend.End = "2027-01-09", "2027-01-10"
	if _, errs := weekend.Validate(); !strings.Contains(errs["end"], "aucun jour ouvré") {
		t.Errorf("a weekend stage: %v", errs)
	}
}

func TestLogInput(t *testing.T) {
	s := st(1, KindStage, "2026-05-27", "2026-06-26") // starts on a Wednesday
	e, errs := LogInput{Week: "2026-05-28", Done: "Câblage", Hours: "17,5", Realisations: []string{"3", "3", "4"}}.Validate(s)
	if len(errs) > 0 || !e.Week.Equal(isoDay("2026-05-25")) || e.Hours != 17.5 || len(e.Realisations) != 2 {
		t.Fatalf("entry %+v %v", e, errs)
	}
	if _, errs := (LogInput{Week: "2026-06-29", Done: "x", Hours: "1"}).Validate(s); !errs.Has("week") {
		t.Error("a week after the stage accepted")
	}
	if _, errs := (LogInput{Week: "2026-06-01", Done: "x", Hours: "NaN"}).Validate(s); !errs.Has("hours") {
		t.Error("NaN hours accepted")
	}
	if weeks := StageWeeksOf(s); len(weeks) != 5 || !weeks[0].Equal(isoDay("2026-05-25")) {
		t.Errorf("weeks of the stage: %v", weeks)
	}
}

// Review findings: overlapping stages count once; a public holiday
// between two stages does not break the period; odd input is refused.
func TestCheckStagesOverlapsAndHolidays(t *testing.T) {
	five := st(1, KindStage, "2026-06-01", "2026-07-03")
	var copies []Stage
	for i := 0; i < 20; i++ {
		copies = append(copies, five)
	}
	if c := CheckStages(rules2019, copies); c.Total != 5 {
		t.Errorf("20 copies of one 5-week stage: total %v, want 5", c.Total)
	}
	// 8–26 March 2027, then 30 March – 16 April 2027: Easter Monday (29
	// March) between them.
	easter := []Stage{st(2, KindStage, "2027-03-08", "2027-03-26"), st(2, KindStage, "2027-03-30", "2027-04-16")}
	if run := LongestRun(easter, 2); run != 6 {
		t.Errorf("two stages either side of Easter Monday: run %v, want 6 (30 weekdays, the holiday included)", run)
	}
	if _, errs := (StageInput{Kind: "stage", Year: "1", Organisation: "\u200b\u200d", TutorName: "J", Start: "2027-01-04", End: "2027-01-08"}).Validate(); !errs.Has("organisation") {
		t.Error("an organisation of zero-width characters accepted")
	}
	s := st(1, KindStage, "2026-06-01", "2026-06-26")
	for _, h := range []string{"1_0", "0x1p4", "1e1", "+5", "35,555", "Inf"} {
		if _, errs := (LogInput{Week: "2026-06-01", Done: "x", Hours: h}).Validate(s); !errs.Has("hours") {
			t.Errorf("hours %q accepted", h)
		}
	}
	for _, h := range []string{"35", "17,5", "7.25", "0"} {
		if _, errs := (LogInput{Week: "2026-06-01", Done: "x", Hours: h}).Validate(s); errs.Has("hours") {
			t.Errorf("hours %q refused: %v", h, errs)
		}
	}
}
