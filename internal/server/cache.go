package server

import (
	"bytes"
	"container/list"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
	"github.com/portfolio-sio/portfolio/web"
)

// realisationCache keeps each student's réalisations, as last read, with
// the stamp they were read at: the tableau page then costs one query
// instead of five while nothing changed (the stamp of
// store.TableauVersion moves on every write). Bounded; entries are evicted at random when full.
type realisationCache struct {
	mu      sync.Mutex
	entries map[int64]cachedRealisations
	max     int
}

type cachedRealisations struct {
	stamp int64
	list  []portfolio.Realisation
}

func newRealisationCache(max int) *realisationCache {
	return &realisationCache{entries: map[int64]cachedRealisations{}, max: max}
}

// get returns the list if it was cached at that stamp. The list is shared:
// callers only read it.
func (c *realisationCache) get(studentID, stamp int64) ([]portfolio.Realisation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[studentID]
	if !ok || e.stamp != stamp {
		return nil, false
	}
	return e.list, true
}

func (c *realisationCache) put(studentID, stamp int64, list []portfolio.Realisation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // map order is random: a random eviction
			delete(c.entries, k)
			break
		}
	}
	c.entries[studentID] = cachedRealisations{stamp: stamp, list: list}
}

// pageCache keeps rendered output — an HTML fragment, a PDF — under a key
// that names everything the output is made from (a student's realisations
// stamp, their identity, the minute of generation, a class's stamp...).
// Nothing is ever invalidated: a change makes a new key, and the old entry
// ages out. Bounded by total size, least recently used first out. The
// callers asking for a key being made wait for it instead of making it
// again, so a burst of requests after a change costs one render.
type pageCache struct {
	mu       sync.Mutex
	max      int // bytes; 0 disables the cache
	size     int
	order    *list.List // of *pageEntry, most recent first
	entries  map[string]*list.Element
	inflight map[string]*pageCall
}

type pageEntry struct {
	key string
	val []byte
}

type pageCall struct {
	done chan struct{}
	val  []byte
	err  error
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{max: maxBytes, order: list.New(), entries: map[string]*list.Element{}, inflight: map[string]*pageCall{}}
}

// get returns the output under key, making it with build when absent. The
// bytes are shared: callers must not modify them.
func (c *pageCache) get(key string, build func() ([]byte, error)) ([]byte, error) {
	if c.max <= 0 {
		return build()
	}
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*pageEntry).val, nil
	}
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-call.done
		if call.err != nil {
			return build() // the maker's failure may be its own (a cancelled request)
		}
		return call.val, nil
	}
	call := &pageCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()

	defer func() {
		if p := recover(); p != nil {
			call.err = fmt.Errorf("page cache: %v", p)
			c.finish(key, call)
			panic(p)
		}
		c.finish(key, call)
	}()
	call.val, call.err = build()
	return call.val, call.err
}

// finish stores a made output (errors are not kept) and wakes the waiters.
func (c *pageCache) finish(key string, call *pageCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, key)
	close(call.done)
	if call.err != nil || len(call.val) > c.max/4 {
		return
	}
	val := call.val
	if cap(val)-len(val) > 4<<10 { // a grown buffer: keep only what is used
		val = bytes.Clone(val)
	}
	c.entries[key] = c.order.PushFront(&pageEntry{key: key, val: val})
	c.size += len(call.val) + len(key)
	for c.size > c.max {
		last := c.order.Back()
		e := last.Value.(*pageEntry)
		c.order.Remove(last)
		delete(c.entries, e.key)
		c.size -= len(e.val) + len(e.key)
	}
}

// stats is the number of entries and their bytes (for tests).
func (c *pageCache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.size
}

// getHTML returns the gzip form of the page under key, making it with
// build when absent; the cache keeps only that form. When text is not nil
// it receives the page's HTML as well: made there by build, or
// decompressed. Pages are made in lent buffers: only their compressed
// form, a tenth of their size, is allocated for good.
func (c *pageCache) getHTML(key string, build func(*bytes.Buffer) error, text *bytes.Buffer) ([]byte, error) {
	if c.max <= 0 && text != nil { // nothing kept: the text is all the caller needs
		return nil, build(text)
	}
	made := false
	gz, err := c.get(key, func() ([]byte, error) {
		buf := text
		if buf == nil {
			buf = getBuffer()
			defer putBuffer(buf)
		}
		if err := build(buf); err != nil {
			return nil, err
		}
		made = true
		return gzipBytes(buf.Bytes()), nil
	})
	if err != nil || made || text == nil {
		return gz, err
	}
	return gz, gunzipTo(text, gz)
}

// getText returns the HTML fragment under key (shared: callers only read
// it), making it with build in scratch when absent. Fragments are kept as
// text: they are framed again for each viewer, and a framing should not
// cost a decompression.
func (c *pageCache) getText(key string, build func(*bytes.Buffer) error, scratch *bytes.Buffer) ([]byte, error) {
	if c.max <= 0 {
		err := build(scratch)
		return scratch.Bytes(), err
	}
	return c.get(key, func() ([]byte, error) {
		if err := build(scratch); err != nil {
			return nil, err
		}
		return bytes.Clone(scratch.Bytes()), nil
	})
}

// renderFramed writes a page made of the layout around a body kept in the
// page cache under bodyKey (made by body when absent). Without a flash
// message, the framed page itself is kept too, compressed, under bodyKey
// and what the layout shows (title, menu entry, viewer): a page then costs
// its access checks and a write of its compressed bytes. With the cache
// off, each request makes both.
func (s *Server) renderFramed(w http.ResponseWriter, r *http.Request, p web.Page, bodyKey string,
	body func(*bytes.Buffer) error, frame func(web.Page, templ.Component) templ.Component) {
	framed := func(out *bytes.Buffer) error {
		scratch := getBuffer()
		defer putBuffer(scratch)
		text, err := s.pages.getText(bodyKey, body, scratch)
		if err != nil {
			return err
		}
		out.Grow(len(text) + 8<<10) // the layout is a few kilobytes
		return frame(p, rawHTML(text)).Render(r.Context(), out)
	}
	if p.Flash != "" || s.pages.max <= 0 { // shown once, or no cache: not kept
		out := getBuffer()
		defer putBuffer(out)
		if err := framed(out); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.writeMade(w, r, http.StatusOK, out.Bytes())
		return
	}
	gz, err := s.pages.getHTML(frameKeyOf(bodyKey, p).String(), framed, nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.writeHTML(w, r, http.StatusOK, htmlPage{gz: gz})
}

// frameKey names a framed page in the cache: its body's key and every
// field of web.Page that web.Layout prints around it. A field the layout
// shows and this key lacks would serve a stale page (the unread count was
// one: issue 27). The flash is never cached (renderFramed).
type frameKey struct {
	body          string
	title, active string
	refresh       int
	sso           bool
	userID        int64
	name          string
	role          portfolio.Role
	unread        int
}

func frameKeyOf(body string, p web.Page) frameKey {
	k := frameKey{body: body, title: p.Title, active: p.Active, refresh: p.Refresh, sso: p.SSO}
	if u := p.User; u != nil {
		k.userID, k.name, k.role, k.unread = u.ID, u.FullName(), u.Role, u.Unread
	}
	return k
}

// String is the key as the page cache takes it, every field quoted or
// numeric: no two keys give the same string.
func (k frameKey) String() string {
	return newKey(len(k.body) + 64).str(k.body).str("page").str(k.title).str(k.active).num(int64(k.refresh)).flag(k.sso).
		num(k.userID).str(k.name).str(string(k.role)).num(int64(k.unread)).String()
}

// keyParts builds a cache key from fields, each quoted or a number and
// followed by « | »: no two lists of fields give the same key.
type keyParts []byte

func newKey(size int) keyParts           { return make(keyParts, 0, size) }
func (k keyParts) str(s string) keyParts { return append(strconv.AppendQuote(k, s), '|') }
func (k keyParts) num(n int64) keyParts  { return append(strconv.AppendInt(k, n, 10), '|') }
func (k keyParts) flag(b bool) keyParts  { return append(strconv.AppendBool(k, b), '|') }
func (k keyParts) String() string        { return string(k) }
