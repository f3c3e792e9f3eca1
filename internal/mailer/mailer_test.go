package mailer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portfolio-sio/portfolio/internal/mailer"
	"github.com/portfolio-sio/portfolio/internal/testmail"
)

// TestSend sends through a real SMTP server (Mailpit) and reads what it
// received: subject and body in UTF-8, the unsubscribe headers.
func TestSend(t *testing.T) {
	mp := testmail.Start(t)
	m := mailer.SMTP{Host: "127.0.0.1", Port: mp.SMTPPort, From: "portfolio@lycee.example"}
	err := m.Send(context.Background(), mailer.Mail{To: "lea@example.org", Subject: "Portfolio SIO : votre accès 🚀",
		Body: "Bonjour Léa,\nvoici le lien.\r\nFin.", Unsubscribe: "https://portfolio.example/desabonnement/abc"})
	if err != nil {
		t.Fatal(err)
	}
	list := mp.Wait(1)
	if len(list) != 1 {
		t.Fatalf("%d messages", len(list))
	}
	msg := mp.Get(list[0].ID)
	if msg.Subject != "Portfolio SIO : votre accès 🚀" || len(msg.To) != 1 || msg.To[0].Address != "lea@example.org" {
		t.Fatalf("received %+v", msg)
	}
	if !strings.Contains(msg.Text, "Bonjour Léa,\r\nvoici le lien.\r\nFin.") && !strings.Contains(msg.Text, "Bonjour Léa,\nvoici le lien.\nFin.") {
		t.Errorf("body %q", msg.Text)
	}
	if got := strings.Join(msg.Headers["List-Unsubscribe"], ""); got != "<https://portfolio.example/desabonnement/abc>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := strings.Join(msg.Headers["List-Unsubscribe-Post"], ""); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if err := m.Send(context.Background(), mailer.Mail{To: "x@example.org\r\nBcc: y@example.org", Subject: "s", Body: "b"}); err == nil {
		t.Error("header injection accepted")
	}
	// A relay that is down: an error, soon.
	mp.Stop()
	start := time.Now()
	if err := m.Send(context.Background(), mailer.Mail{To: "lea@example.org", Subject: "s", Body: "b"}); err == nil {
		t.Error("no error with the relay down")
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("a relay that is down took %v to report", time.Since(start))
	}
}

// TestMessageOfAnyText: any text gives a message whose headers hold on one
// line each and whose body is valid UTF-8.
func TestMessageOfAnyText(t *testing.T) {
	for _, s := range []string{"\xff\xfe", "a\rb\nc", "שלום \u202e", strings.Repeat("é", 2000), "\x00\x1b"} {
		b, err := mailer.Message("p@lycee.example", mailer.Mail{To: "lea@example.org", Subject: strings.ReplaceAll(strings.ReplaceAll(s, "\r", " "), "\n", " "), Body: s}, time.Now())
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		head, _, ok := strings.Cut(string(b), "\r\n\r\n")
		if !ok {
			t.Fatalf("%q: no header/body separator", s)
		}
		for _, line := range strings.Split(head, "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Errorf("%q: broken header line %q", s, line)
			}
		}
	}
}
