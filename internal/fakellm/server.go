// Package fakellm is an in-process OpenAI-compatible chat-completions server for
// tests and benchmarks. It speaks the real wire format (POST /v1/chat/completions,
// the API's request and response JSON, its error envelope) so the production
// client can be pointed at it, and it can be told to misbehave: latency, 429 with
// Retry-After, 500, hangs, truncated answers, answers that are not JSON, that miss
// symbols, that invent ids or references, and a 400 for json_schema output.
//
// By default it answers each request with a valid doc for every item id it finds
// in the prompt, so it can drive benchmarks. Items are recognised as lines of the
// user message that are JSON objects with an "id" field (trailing commas allowed),
// which is how pipeline/llm writes its prompts.
package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// FaultKind is a way a request can go wrong.
type FaultKind int

// The faults the server can inject.
const (
	// OK answers normally.
	OK FaultKind = iota
	// RateLimit answers 429 with Retry-After (Fault.RetryAfter, default "1").
	RateLimit
	// ServerError answers 500 with the API's error envelope.
	ServerError
	// Hang waits until the client goes away (or Fault.Delay passes) before
	// answering normally: the client's timeout is what ends it.
	Hang
	// Truncate cuts the answer in the middle and reports finish_reason "length".
	Truncate
	// NotJSON answers with prose.
	NotJSON
	// DropSymbols leaves out the docs of the ids in Fault.IDs (every other id when empty).
	DropSymbols
	// UnknownIDs adds docs for ids that were not asked for.
	UnknownIDs
	// MadeUpRefs writes docs that link to items that do not exist.
	MadeUpRefs
	// Fenced wraps the JSON answer in a markdown code fence with text around it.
	Fenced
	// EmptySummary answers with docs whose summaries are empty.
	EmptySummary
)

// Fault says what to do with one request.
type Fault struct {
	Kind FaultKind
	// RetryAfter is the Retry-After header value for RateLimit.
	RetryAfter string
	// IDs are the ids DropSymbols leaves out.
	IDs []string
	// Delay bounds a Hang; zero hangs until the client disconnects.
	Delay time.Duration
}

// Item is one symbol the server found in a prompt.
type Item struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	Signature string `json:"signature"`
	Parent    string `json:"parent"`
	// InheritedDoc and InheritedFrom are the trait item's doc an undocumented
	// trait-impl item was sent with.
	InheritedDoc  string `json:"inherited_doc"`
	InheritedFrom string `json:"inherited_from"`
}

// Request is what the server recorded about one request.
type Request struct {
	// N is the request's number, from 1.
	N int
	// At is when the request arrived.
	At             time.Time
	Model          string
	IDs            []string
	ResponseFormat string
	MaxTokens      int
	Authorized     bool
	Fault          FaultKind
}

// Options configure a Server.
type Options struct {
	// Latency is added to every answer.
	Latency time.Duration
	// Fault decides what happens to the n-th request (from 1) carrying the given
	// items; nil answers every request normally.
	Fault func(n int, items []Item) Fault
	// RejectJSONSchema answers 400 to requests asking for json_schema output, as
	// servers without structured output do.
	RejectJSONSchema bool
	// APIKey, when set, is required as the bearer token (401 otherwise).
	APIKey string
	// NoUsage leaves the usage object out of answers.
	NoUsage bool
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	opts Options
	srv  *httptest.Server

	mu          sync.Mutex
	n           int
	requests    []Request
	inFlight    int
	maxInFlight int
}

// New starts a server. Close it when done.
func New(opts Options) *Server {
	s := &Server{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /chat/completions", s.chat)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the base URL to configure a client with (it ends in /v1).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns a copy of what the server saw, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestedIDs returns every id of every request, in order, with repeats.
func (s *Server) RequestedIDs() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.IDs...)
	}
	return out
}

// InFlight is the number of requests being handled right now.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// MaxInFlight is the most requests that were handled at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.n++
	n := s.n
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "could not parse the JSON body: "+err.Error())
		return
	}
	items := promptItems(req.Messages)
	//lint:ignore SA1019 the fake reads both fields, as the clients it stands in for send either
	rec := Request{N: n, At: time.Now(), Model: req.Model, MaxTokens: max(req.MaxTokens, req.MaxCompletionTokens)}
	for _, it := range items {
		rec.IDs = append(rec.IDs, it.ID)
	}
	if req.ResponseFormat != nil {
		rec.ResponseFormat = string(req.ResponseFormat.Type)
	}
	auth := r.Header.Get("Authorization")
	rec.Authorized = s.opts.APIKey == "" || auth == "Bearer "+s.opts.APIKey
	var fault Fault
	if s.opts.Fault != nil && rec.Authorized {
		fault = s.opts.Fault(n, items)
	}
	rec.Fault = fault.Kind
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	if !rec.Authorized {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided.")
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "you must provide a model parameter")
		return
	}
	if s.opts.RejectJSONSchema && rec.ResponseFormat == string(openai.ChatCompletionResponseFormatTypeJSONSchema) {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "response_format of type json_schema is not supported with this model")
		return
	}
	if !sleep(r, s.opts.Latency) {
		return
	}
	switch fault.Kind {
	case RateLimit:
		ra := fault.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate limit reached. Please try again later.")
		return
	case ServerError:
		writeError(w, http.StatusInternalServerError, "server_error", "The server had an error while processing your request.")
		return
	case Hang:
		if fault.Delay == 0 {
			<-r.Context().Done()
			return
		}
		if !sleep(r, fault.Delay) {
			return
		}
	}

	content, finish := answer(items, fault)
	resp := openai.ChatCompletionResponse{
		ID:      "chatcmpl-" + strconv.Itoa(n),
		Object:  "chat.completion",
		Created: time.Now().Unix(),
		Model:   req.Model,
		Choices: []openai.ChatCompletionChoice{{
			Index:        0,
			Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: content},
			FinishReason: finish,
		}},
	}
	if !s.opts.NoUsage {
		in := 0
		for _, m := range req.Messages {
			in += len(m.Content)/4 + 4
		}
		resp.Usage = openai.Usage{PromptTokens: in, CompletionTokens: len(content)/4 + 1}
		resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// sleep waits d or until the client goes away; it reports whether to go on.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": typ},
	})
}

// promptItems finds the items in the user messages.
func promptItems(msgs []openai.ChatCompletionMessage) []Item {
	var out []Item
	for _, m := range msgs {
		if m.Role != openai.ChatMessageRoleUser {
			continue
		}
		for _, line := range strings.Split(m.Content, "\n") {
			line = strings.TrimSuffix(strings.TrimSpace(line), ",")
			if !strings.HasPrefix(line, "{") {
				continue
			}
			var it Item
			if json.Unmarshal([]byte(line), &it) == nil && it.ID != "" {
				out = append(out, it)
			}
		}
	}
	return out
}

type paramDoc struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type doc struct {
	ID          string     `json:"id"`
	Summary     string     `json:"summary"`
	Description string     `json:"description"`
	Parameters  []paramDoc `json:"parameters"`
	Returns     string     `json:"returns"`
	Errors      string     `json:"errors"`
	Panics      string     `json:"panics"`
	Safety      string     `json:"safety"`
	Examples    []string   `json:"examples"`
}

// answer writes the assistant message for items under fault, and its finish reason.
func answer(items []Item, fault Fault) (string, openai.FinishReason) {
	if fault.Kind == NotJSON {
		return "I'm sorry, but I can only describe these items in prose: they look useful.", openai.FinishReasonStop
	}
	drop := map[string]bool{}
	if fault.Kind == DropSymbols {
		for _, id := range fault.IDs {
			drop[id] = true
		}
		if len(fault.IDs) == 0 {
			for i, it := range items {
				if i%2 == 1 {
					drop[it.ID] = true
				}
			}
		}
	}
	docs := []doc{}
	for _, it := range items {
		if drop[it.ID] {
			continue
		}
		docs = append(docs, validDoc(it, fault.Kind))
	}
	if fault.Kind == UnknownIDs {
		docs = append(docs, doc{ID: "no-such-id", Summary: "An item nobody asked about."})
		if len(items) > 0 {
			docs = append(docs, doc{ID: items[0].ID + "-extra", Summary: "A near miss."})
		}
	}
	body, _ := json.Marshal(map[string]any{"docs": docs})
	switch fault.Kind {
	case Truncate:
		return string(body[:len(body)*2/3]), openai.FinishReasonLength
	case Fenced:
		return "Here are the docs:\n\n```json\n" + string(body) + "\n```\n\nLet me know if you need more.", openai.FinishReasonStop
	}
	return string(body), openai.FinishReasonStop
}

func validDoc(it Item, kind FaultKind) doc {
	name := it.Name
	if name == "" {
		name = it.Path[strings.LastIndex(it.Path, "::")+1:]
	}
	d := doc{
		ID:          it.ID,
		Summary:     fmt.Sprintf("Does what `%s` is for.", name),
		Description: fmt.Sprintf("The %s `%s` is part of the crate; see [`%s`].", it.Kind, it.Path, name),
		Parameters:  []paramDoc{},
		Examples:    []string{},
	}
	if strings.Contains(it.Signature, "Result<") {
		d.Errors = "Returns an error when the input is invalid."
	}
	if strings.Contains(it.Signature, "unsafe ") {
		d.Safety = "The caller must uphold the documented invariants."
	}
	switch kind {
	case MadeUpRefs:
		d.Description += " It works with [`NoSuchType`] and [`crate::imaginary::Thing`], much like `made_up_fn`."
	case EmptySummary:
		d.Summary = ""
	}
	return d
}
