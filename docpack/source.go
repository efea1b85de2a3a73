package docpack

import (
	"net/url"
	"strconv"
	"strings"
)

// WebURL is the https address of a repository given as a git remote or a
// Cargo.toml `repository`: "git@github.com:o/r.git", "ssh://git@github.com/o/r"
// and "https://user:token@github.com/o/r.git" all give "https://github.com/o/r".
// Credentials, query and fragment are dropped, and so is a GitHub or GitLab
// page inside the repository ("/tree/master/sub"). A local path, a file://
// URL or an address it cannot read gives "".
func WebURL(remote string) string {
	r := strings.TrimSpace(remote)
	if r == "" {
		return ""
	}
	if !strings.Contains(r, "://") {
		// scp-like user@host:path (not a Windows drive, not a path)
		at, colon := strings.Index(r, "@"), strings.Index(r, ":")
		if colon <= 0 || strings.ContainsAny(r[:colon], "/\\") || colon == 1 {
			return ""
		}
		host := r[:colon]
		if at >= 0 && at < colon {
			host = r[at+1 : colon]
		}
		r = "https://" + host + "/" + strings.TrimPrefix(r[colon+1:], "/")
	}
	u, err := url.Parse(r)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "https", "http":
	case "ssh", "git", "git+ssh", "git+https":
		u.Scheme, u.Host = "https", u.Hostname() // an ssh or git port is not the web's
	default:
		return ""
	}
	u.User, u.RawQuery, u.Fragment, u.ForceQuery = nil, "", "", false
	p := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	for _, page := range []string{"/-/", "/tree/", "/blob/"} {
		if j := strings.Index(p, page); j > 0 && (page == "/-/" || u.Hostname() == "github.com" || strings.HasPrefix(u.Hostname(), "github.")) {
			p = p[:j]
		}
	}
	u.Path, u.RawPath = p, ""
	return u.String()
}

// SourceURL links a source location to the repository's web view at the
// documented commit, or returns "" when the repository's host is not one whose
// URL scheme is known. GitHub (and hosts that copy its scheme, such as Gitea
// and Forgejo): {url}/blob/{sha}/{file}#L{line}-L{end}; GitLab:
// {url}/-/blob/{sha}/{file}#L{line}-{end}.
func SourceURL(repo Repository, file string, line, end int) string {
	base := strings.TrimSuffix(strings.TrimSuffix(repo.URL, "/"), ".git")
	if base == "" || repo.CommitSHA == "" || file == "" {
		return ""
	}
	if p := strings.Trim(repo.Path, "/"); p != "" && p != "." {
		file = p + "/" + file
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(file, "/") {
		segs = append(segs, url.PathEscape(s))
	}
	path := strings.Join(segs, "/")
	frag := ""
	if line > 0 {
		frag = "#L" + strconv.Itoa(line)
	}
	switch {
	case u.Host == "github.com" || strings.HasPrefix(u.Host, "github."):
		if line > 0 && end > line {
			frag += "-L" + strconv.Itoa(end)
		}
		return base + "/blob/" + url.PathEscape(repo.CommitSHA) + "/" + path + frag
	case u.Host == "gitlab.com" || strings.HasPrefix(u.Host, "gitlab."):
		if line > 0 && end > line {
			frag += "-" + strconv.Itoa(end)
		}
		return base + "/-/blob/" + url.PathEscape(repo.CommitSHA) + "/" + path + frag
	}
	return ""
}

// SymbolSourceURL is SourceURL for a symbol's location: "" for an item
// inlined from another crate (Symbol.InlinedFrom), whose file is in that
// crate's package, not the repository.
func SymbolSourceURL(repo Repository, s *Symbol) string {
	if s.InlinedFrom != nil {
		return ""
	}
	return SourceURL(repo, s.File, s.Line, s.EndLine)
}

// Location is where a symbol is written, as viewers show it:
// "src/map.rs:188-210" ("src/map.rs" with no line, "" with no file); for an
// item inlined from another crate, that crate first:
// "tracing_core 0.1.30 src/metadata.rs:12".
func (s *Symbol) Location() string {
	if s.File == "" {
		return ""
	}
	loc := s.File
	switch {
	case s.Line <= 0:
	case s.EndLine > s.Line:
		loc += ":" + strconv.Itoa(s.Line) + "-" + strconv.Itoa(s.EndLine)
	default:
		loc += ":" + strconv.Itoa(s.Line)
	}
	if f := s.InlinedFrom; f != nil {
		pkg := f.Crate
		if f.Version != "" {
			pkg += " " + f.Version
		}
		loc = pkg + " " + loc
	}
	return loc
}
