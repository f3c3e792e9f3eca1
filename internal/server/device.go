package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// A known device is a browser that logged in to an account before: it
// holds a cookie, for that account, signed with a key kept in the
// database's settings. The login limiter locks an account only for the
// other browsers, so nobody can keep a teacher out of their own browser by
// typing wrong passwords elsewhere (see limiter.go). The cookie only
// says "this browser logged in to this address before": it opens nothing.

const (
	deviceKeySetting = "device_key"
	deviceCookieLife = 400 * 24 * time.Hour // the longest browsers keep a cookie
)

// deviceKey is the signing key, made on first use and kept in settings so
// that known devices survive a restart.
func (s *Server) deviceKey(ctx context.Context) ([]byte, error) {
	s.deviceKeyMu.Lock()
	defer s.deviceKeyMu.Unlock()
	if s.deviceKeyVal != nil {
		return s.deviceKeyVal, nil
	}
	v, err := s.store.Setting(ctx, deviceKeySetting)
	if err != nil {
		return nil, err
	}
	if v == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = hex.EncodeToString(b)
		if err := s.store.SetSetting(ctx, deviceKeySetting, v); err != nil {
			return nil, err
		}
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("setting %s is not a key of 16 bytes or more", deviceKeySetting)
	}
	s.deviceKeyVal = key
	return key, nil
}

// deviceCookieName names an account's cookie without showing its address.
func deviceCookieName(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("name|" + email))
	return "portfolio_device_" + hex.EncodeToString(m.Sum(nil)[:8])
}

func deviceMAC(key []byte, email, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("device|" + email + "|" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice returns the limiter key of this browser for the account, or
// "" when the browser never logged in to it (or its cookie is forged).
func (s *Server) knownDevice(r *http.Request, email string) string {
	key, err := s.deviceKey(r.Context())
	if err != nil {
		s.log.Error("device key", "err", err)
		return ""
	}
	c, err := r.Cookie(deviceCookieName(key, email))
	if err != nil {
		return ""
	}
	id, mac, ok := strings.Cut(c.Value, ".")
	if !ok || len(id) > 64 || !hmac.Equal([]byte(mac), []byte(deviceMAC(key, email, id))) {
		return ""
	}
	return "device:" + email + ":" + id
}

// rememberDevice gives the browser its cookie for the account after a
// successful login (a new one each time, which costs nothing).
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, email string) {
	key, err := s.deviceKey(r.Context())
	if err != nil {
		s.log.Error("device key", "err", err)
		return
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookieName(key, email), Value: id + "." + deviceMAC(key, email, id),
		Path: "/login", MaxAge: int(deviceCookieLife.Seconds()), HttpOnly: true,
		Secure: s.sessions.Cookie.Secure, SameSite: http.SameSiteLaxMode,
	})
}
