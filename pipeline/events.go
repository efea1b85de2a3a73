package pipeline

import (
	"encoding/json"
	"strconv"
	"time"
)

// Stage names one step of a build.
type Stage string

// The stages of a build, in order.
const (
	StageFetch    Stage = "fetch"
	StageParse    Stage = "parse"
	StageExtract  Stage = "extract"
	StageBatch    Stage = "batch"
	StageGenerate Stage = "generate"
	StagePackage  Stage = "package"
	StageUpload   Stage = "upload"
)

// Stages lists every stage in order.
var Stages = []Stage{StageFetch, StageParse, StageExtract, StageBatch, StageGenerate, StagePackage, StageUpload}

// Event is one thing that happened during a build. The concrete types are
// StageStarted, Progress, StageDone, Warning and GenerateStats.
type Event interface{ eventKind() string }

// Observer receives a build's events. It is called from several goroutines and must
// be safe for concurrent use; it should return quickly.
type Observer func(Event)

// Discard is an Observer that ignores every event.
func Discard(Event) {}

// StageStarted says a stage began. Total is the amount of work if known, else 0.
type StageStarted struct {
	Stage Stage `json:"stage"`
	Total int   `json:"total,omitempty"`
}

// Progress reports Done out of Total units of a stage's work (files, symbols,
// batches, bytes). Unit names what is counted.
type Progress struct {
	Stage  Stage  `json:"stage"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Unit   string `json:"unit,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// StageDone says a stage ended. Err is nil on success. Skipped is set when the
// stage had nothing to do (no upload target, no batching for the extractive generator).
type StageDone struct {
	Stage   Stage         `json:"stage"`
	Elapsed time.Duration `json:"-"`
	Err     error         `json:"-"`
	Skipped bool          `json:"skipped,omitempty"`
	Summary string        `json:"summary,omitempty"`
}

// MarshalJSON writes the elapsed time in seconds and the error as text.
func (e StageDone) MarshalJSON() ([]byte, error) {
	type alias StageDone
	var errText string
	if e.Err != nil {
		errText = e.Err.Error()
	}
	return json.Marshal(struct {
		alias
		ElapsedSec float64 `json:"elapsed"`
		Error      string  `json:"error,omitempty"`
	}{alias(e), e.Elapsed.Seconds(), errText})
}

// Warning is a problem that did not stop the build: a file that could not be read,
// a syntax error, a batch that fell back to extractive docs.
type Warning struct {
	Stage   Stage  `json:"stage"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// String formats the warning as "file:line: message".
func (w Warning) String() string {
	switch {
	case w.File != "" && w.Line > 0:
		return w.File + ":" + strconv.Itoa(w.Line) + ": " + w.Message
	case w.File != "":
		return w.File + ": " + w.Message
	}
	return w.Message
}

// GenerateStats is a running snapshot of the generate stage's numbers.
type GenerateStats struct {
	Symbols   int     `json:"symbols"`
	Batches   int     `json:"batches"`
	InFlight  int     `json:"in_flight"`
	Requests  int     `json:"requests"`
	TokensIn  int     `json:"tokens_in"`
	TokensOut int     `json:"tokens_out"`
	CacheHits int     `json:"cache_hits"`
	Fallbacks int     `json:"fallbacks"`
	CostUSD   float64 `json:"cost_usd"`
}

func (StageStarted) eventKind() string  { return "stage_started" }
func (Progress) eventKind() string      { return "progress" }
func (StageDone) eventKind() string     { return "stage_done" }
func (Warning) eventKind() string       { return "warning" }
func (GenerateStats) eventKind() string { return "generate_stats" }

// EventKind returns the event's type name as used in NDJSON output ("progress", …).
func EventKind(e Event) string { return e.eventKind() }

// MarshalEvent encodes an event as one JSON object with an "event" field naming its
// type: the NDJSON form of `doctown build --json`.
func MarshalEvent(e Event) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	kind, _ := json.Marshal(e.eventKind())
	out := make([]byte, 0, len(body)+len(kind)+10)
	out = append(out, `{"event":`...)
	out = append(out, kind...)
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}
