// Package mailer sends plain-text e-mails through an SMTP relay, with
// github.com/wneessen/go-mail (STARTTLS when offered, PLAIN authentication
// when a user is set, headers encoded as RFC 2047 asks).
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Mail is one message.
type Mail struct {
	To      string
	Subject string
	Body    string // plain text
	// Unsubscribe, when set, is the address of a page that stops these
	// mails without logging in: it goes into List-Unsubscribe, with
	// List-Unsubscribe-Post for one-click (RFC 8058).
	Unsubscribe string
}

// SMTP is an SMTP relay.
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

// PermanentError is a mail that will never go: the relay refused it for
// good (an SMTP 5xx reply), or it cannot be written (an address the
// library refuses). Retrying it is useless.
type PermanentError struct{ Err error }

func (e PermanentError) Error() string { return e.Err.Error() }
func (e PermanentError) Unwrap() error { return e.Err }

// Permanent reports whether err means the mail will never go.
func Permanent(err error) bool {
	var p PermanentError
	if errors.As(err, &p) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// Send sends one message, within the context's deadline (30 s at most).
func (m SMTP) Send(ctx context.Context, mail Mail) error {
	msg, err := m.message(mail, time.Now())
	if err != nil {
		return PermanentError{err}
	}
	opts := []gomail.Option{gomail.WithPort(m.Port), gomail.WithTimeout(30 * time.Second),
		gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithTLSConfig(&tls.Config{ServerName: m.Host, InsecureSkipVerify: m.InsecureTLS, MinVersion: tls.VersionTLS12})} //nolint:gosec // opt-in
	if m.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(m.User), gomail.WithPassword(m.Password))
	}
	c, err := gomail.NewClient(m.Host, opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.DialAndSendWithContext(ctx, msg)
}

// message builds the go-mail message. Text that is not valid UTF-8 is
// repaired and line ends are made CRLF, so that any text a user typed
// gives a well-formed message; a line break in a header is refused.
func (m SMTP) message(mail Mail, date time.Time) (*gomail.Msg, error) {
	if strings.ContainsAny(mail.To+mail.Subject+mail.Unsubscribe, "\r\n") {
		return nil, fmt.Errorf("mailer: line break in a header")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("mailer: sender %q: %w", m.From, err)
	}
	if err := msg.To(mail.To); err != nil {
		return nil, fmt.Errorf("mailer: recipient %q: %w", mail.To, err)
	}
	msg.Subject(strings.ToValidUTF8(mail.Subject, "\uFFFD"))
	msg.SetDateWithValue(date)
	msg.SetMessageID()
	if mail.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+mail.Unsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	body := strings.ToValidUTF8(mail.Body, "\uFFFD")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	msg.SetBodyString(gomail.TypeTextPlain, body)
	return msg, nil
}

// Message is the e-mail as it goes on the wire (for tests and the
// output fuzzer: any text gives a well-formed message).
func Message(from string, mail Mail, date time.Time) ([]byte, error) {
	msg, err := SMTP{From: from}.message(mail, date)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err = msg.WriteTo(&buf)
	return buf.Bytes(), err
}
