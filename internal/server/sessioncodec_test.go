package server

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 11, 25, 13, 4, 5, 6, time.UTC)
	values := map[string]any{"user_id": int64(42), "epoch": int64(-3), "flash": "Réalisation enregistrée.", "": ""}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != sessionMagic {
		t.Fatalf("not our encoding: % x", b[:4])
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Errorf("decoded %v %#v, want %v %#v", gotDeadline, got, deadline, values)
	}
	// Every truncation is an error, never a panic or a partial session.
	for i := 0; i < len(b); i++ {
		if _, _, err := (sessionCodec{}).Decode(b[:i]); err == nil {
			t.Errorf("truncated to %d bytes: decoded without error", i)
		}
	}
}

// Sessions opened before the codec changed (gob) stay open; values of
// another type are written with gob and read back.
func TestSessionCodecReadsGob(t *testing.T) {
	deadline := time.Now().Add(time.Hour).Round(0)
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{"user_id": int64(7), "epoch": int64(0)})
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := sessionCodec{}.Decode(old)
	if err != nil || got["user_id"] != int64(7) {
		t.Fatalf("gob session: %v %v", got, err)
	}
	other, err := sessionCodec{}.Encode(deadline, map[string]any{"n": 3.5})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := (sessionCodec{}).Decode(other); err != nil || got["n"] != 3.5 {
		t.Fatalf("float value: %v %v", got, err)
	}
}
