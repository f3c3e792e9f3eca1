package store

import (
	"context"
	"slices"
	"testing"
)

// TestEveryTableHasAFreshnessRule: every table of the database, after
// every migration, says in freshness how what shows its rows learns of a
// change, and freshness names no table that does not exist.
func TestEveryTableHasAFreshnessRule(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
		if freshness[name] == "" {
			t.Errorf("table %s: say in freshness.go how a page or document kept in memory learns that its rows changed", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range freshness {
		if !slices.Contains(tables, name) {
			t.Errorf("freshness.go names %s, which no migration creates", name)
		}
	}
}
