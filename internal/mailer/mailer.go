// Package mailer sends plain-text e-mails through an SMTP server.
package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// SMTP is an SMTP relay: STARTTLS when the server offers it, PLAIN
// authentication when a user is set.
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	// InsecureTLS skips certificate checks (a relay with a self-signed
	// certificate on a school network).
	InsecureTLS bool
}

// Send sends one message, within the context's deadline (30 s at most).
func (m SMTP) Send(ctx context.Context, to, subject, body string) error {
	if strings.ContainsAny(to+subject, "\r\n") {
		return fmt.Errorf("mailer: line break in a header")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: m.Host, InsecureSkipVerify: m.InsecureTLS}); err != nil { //nolint:gosec // opt-in
			return err
		}
	}
	if m.User != "" {
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, m.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(m.From); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Message(m.From, to, subject, body, time.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Message is the e-mail as sent: headers (the subject Q-encoded), then the
// body in UTF-8 with CRLF line ends. Text that is not valid UTF-8 is
// repaired, and a bare CR becomes a line end, so that any text a user typed
// gives a well-formed message.
func Message(from, to, subject, body string, date time.Time) []byte {
	subject = strings.ToValidUTF8(subject, "\uFFFD")
	body = strings.ToValidUTF8(body, "\uFFFD")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + mime.QEncoding.Encode("utf-8", subject) +
		"\r\nDate: " + date.Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n"))
}
