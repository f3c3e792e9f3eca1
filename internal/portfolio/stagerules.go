package portfolio

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portfolio-sio/portfolio/internal/referentiel"
)

// StageCheck is what the student's and the teacher's pages say about a
// student's stages against their référentiel's durations: each rule with
// whether it holds, and what is missing. It informs; nothing is refused
// because of it (a stage can be recorded before the next one is found).
type StageCheck struct {
	// Known: the référentiel gives durations (else Note says why none is
	// checked).
	Known bool
	// Apprentice: the student records alternance periods; stage durations
	// do not apply, the employer's certificat de travail does.
	Apprentice bool
	Note       string
	Source     string
	Lines      []StageRuleLine
	Total      float64
	OK         bool
	// Reduced: the normal durations are not met, but the reduced ones
	// the recteur may grant are.
	Reduced bool
}

// StageRuleLine is one rule and how the student stands.
type StageRuleLine struct {
	Rule    string // « 10 semaines de stage sur les deux années »
	Has     string // « 11 semaines »
	OK      bool
	Missing string // « il manque 2 semaines » (when not OK)
	Note    string // e.g. a run longer than the référentiel's bound
}

// CheckStages compares a student's stages with the rules (nil: the
// référentiel gives none).
func CheckStages(rules *referentiel.StageRules, stages []Stage) StageCheck {
	var c StageCheck
	days := map[time.Time]bool{} // the weekdays of the stages: overlaps count once
	for _, s := range stages {
		if s.Kind == KindAlternance {
			c.Apprentice = true
			continue
		}
		for d := s.Start; !d.After(s.End) && len(days) < 5*MaxStageDays; d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				days[d] = true
			}
		}
	}
	c.Total = float64(len(days)) / 5
	if rules == nil {
		c.Note = "Le référentiel suivi, tel que l'application le connaît, ne fixe pas de durée de stage : aucune durée n'est vérifiée."
		return c
	}
	c.Known, c.Source = true, rules.Source
	if c.Apprentice {
		c.Note = "Apprentissage : les durées de stage ne s'appliquent pas ; le certificat de travail de l'employeur confirmant le statut d'apprenti est demandé."
		c.OK = true
		return c
	}
	run1, run2 := LongestRun(stages, 1), LongestRun(stages, 2)
	total := StageRuleLine{Rule: WeeksText(rules.Total) + " de stage sur les deux années", Has: WeeksText(c.Total), OK: c.Total >= rules.Total}
	if !total.OK {
		total.Missing = "il manque " + WeeksText(rules.Total-c.Total)
	}
	y1 := spanLine("en fin de 1re année", rules.Year1, run1)
	y2 := spanLine("en 2e année", rules.Year2, run2)
	c.Lines = []StageRuleLine{total, y1, y2}
	c.OK = total.OK && y1.OK && y2.OK
	c.Reduced = !c.OK && rules.Reduced.Total > 0 && c.Total >= rules.Reduced.Total && run2 >= rules.Reduced.Year2
	return c
}

func spanLine(when string, span referentiel.Span, run float64) StageRuleLine {
	l := StageRuleLine{Rule: "une période de " + weeksRange(span) + " consécutives " + when, OK: run >= span.Min}
	if run == 0 {
		l.Has = "aucun stage"
	} else {
		l.Has = "la plus longue : " + WeeksText(run)
	}
	if !l.OK {
		l.Missing = "il manque " + WeeksText(span.Min-run) + " consécutive"
		if span.Min-run >= 2 {
			l.Missing += "s"
		}
		if run == 0 {
			l.Missing = "aucun stage enregistré"
		}
	} else if span.Max > 0 && run > span.Max {
		l.Note = "au-delà de " + WeeksText(span.Max) + " : la convention doit prévoir la prolongation pendant les vacances scolaires"
	}
	return l
}

func weeksRange(s referentiel.Span) string {
	if s.Max > s.Min {
		n := strings.ReplaceAll(strconv.FormatFloat(s.Min, 'f', -1, 64), ".", ",")
		return n + " à " + WeeksText(s.Max)
	}
	return WeeksText(s.Min)
}

// LongestRun is the longest run of consecutive stage weeks in the year:
// stages that follow one another (the next starts on the first weekday
// after the previous ends) count as one period.
func LongestRun(stages []Stage, year int) float64 {
	var ys []Stage
	for _, s := range stages {
		if s.Year == year && s.Kind == KindStage && !s.End.Before(s.Start) {
			ys = append(ys, s)
		}
	}
	slices.SortFunc(ys, func(a, b Stage) int { return a.Start.Compare(b.Start) })
	best, run := 0.0, 0.0
	var end time.Time
	for i, s := range ys {
		if i > 0 && !s.Start.After(nextWeekday(end)) {
			// overlapping or adjacent: extend the run by the new days only
			if s.End.After(end) {
				run += float64(weekdays(end.AddDate(0, 0, 1), s.End)) / 5
				end = s.End
			}
		} else {
			run, end = s.Weeks(), s.End
		}
		best = max(best, run)
	}
	return best
}

// nextWeekday is the first working day after d: neither a weekend nor a
// public holiday (a stage that resumes after Easter Monday continues the
// one that stopped before it).
func nextWeekday(d time.Time) time.Time {
	d = d.AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || PublicHoliday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
