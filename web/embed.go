// Package web holds the templ views and the static assets.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

//go:embed static
var static embed.FS

// Static is the static assets, served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

var assetVersions = sync.OnceValue(func() map[string]string {
	v := map[string]string{}
	_ = fs.WalkDir(Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static(), path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[path] = hex.EncodeToString(sum[:4])
		return nil
	})
	return v
})

// Asset is the URL of a static file, versioned by its content so browsers
// may cache it for long.
func Asset(name string) string {
	return "/static/" + name + "?v=" + assetVersions()[name]
}
