package llm

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// answerDoc is one doc as the model writes it.
type answerDoc struct {
	ID          string             `json:"id"`
	Summary     string             `json:"summary"`
	Description string             `json:"description"`
	Parameters  []docpack.ParamDoc `json:"parameters"`
	Returns     string             `json:"returns"`
	Errors      string             `json:"errors"`
	Panics      string             `json:"panics"`
	Safety      string             `json:"safety"`
	Examples    []string           `json:"examples"`
}

var errNoJSON = errors.New("answer holds no JSON")

// parseAnswer reads the docs out of a model's answer, tolerating what models do
// around JSON: code fences, prose before and after, a bare array instead of the
// {"docs": [...]} object, an object keyed by id, and an answer cut short (the
// docs complete before the cut are kept and the error says it was cut).
func parseAnswer(content string) ([]answerDoc, error) {
	s := unfence(content)
	start := strings.IndexAny(s, "{[")
	if start < 0 {
		return nil, errNoJSON
	}
	dec := json.NewDecoder(strings.NewReader(s[start:]))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	var docs []answerDoc
	if tok == json.Delim('[') {
		return readDocArray(dec, docs)
	}
	// An object: {"docs": [...]} or {"<id>": {...}, ...}.
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return docs, err
		}
		key, _ := kt.(string)
		if key == "docs" {
			t, err := dec.Token()
			if err != nil {
				return docs, err
			}
			if t != json.Delim('[') {
				return docs, errors.New(`"docs" is not an array`)
			}
			return readDocArray(dec, docs)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return docs, err
		}
		var d answerDoc
		if json.Unmarshal(raw, &d) == nil && d.Summary != "" {
			if d.ID == "" {
				d.ID = key
			}
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil, errors.New("answer holds no docs")
	}
	return docs, nil
}

// readDocArray reads array elements after the opening bracket until the array
// ends or the text breaks off.
func readDocArray(dec *json.Decoder, docs []answerDoc) ([]answerDoc, error) {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return docs, errors.New("answer was cut short")
			}
			return docs, err
		}
		var d answerDoc
		if json.Unmarshal(raw, &d) == nil {
			docs = append(docs, d)
		}
	}
	if _, err := dec.Token(); err != nil {
		return docs, errors.New("answer was cut short")
	}
	return docs, nil
}

// unfence returns the body of the first fenced code block when the text has one
// that holds JSON, else the text.
func unfence(s string) string {
	i := strings.Index(s, "```")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	nl := strings.IndexByte(rest, '\n')
	if nl < 0 {
		return s
	}
	body := rest[nl+1:]
	if j := strings.Index(body, "```"); j >= 0 {
		body = body[:j]
	}
	if !strings.ContainsAny(body, "{[") {
		return s
	}
	return body
}

// cleanExample strips a markdown fence a model put around example code.
func cleanExample(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "```") {
		if nl := strings.IndexByte(t, '\n'); nl >= 0 {
			t = t[nl+1:]
		} else {
			t = ""
		}
		t = strings.TrimSuffix(strings.TrimRight(t, " \n\t"), "```")
	}
	return strings.TrimRight(t, " \n\t")
}
