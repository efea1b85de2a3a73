package fakegithub

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// hookTarget is where the App's webhooks go, as set on the App.
type hookTarget struct {
	url, secret string
}

// hookDelivery is one delivery attempt, as GET /app/hook/deliveries lists it.
type hookDelivery struct {
	ID          int64     `json:"id"`
	GUID        string    `json:"guid"`
	DeliveredAt time.Time `json:"delivered_at"`
	Redelivery  bool      `json:"redelivery"`
	Status      string    `json:"status"`
	StatusCode  int       `json:"status_code"`
	Event       string    `json:"event"`
	Action      *string   `json:"action"`

	payload []byte
}

// SetWebhook sets the App's webhook URL and secret.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = &hookTarget{url: url, secret: secret}
}

// Deliver sends a webhook to the App's URL as GitHub does (signed with
// X-Hub-Signature-256, X-GitHub-Delivery guid) and records the attempt, failed
// or not; it returns the status (0 when the relay could not be reached).
// GitHub never retries by itself: only a redelivery sends it again.
func (s *Server) Deliver(guid, event string, payload []byte) int {
	return s.attempt(guid, event, payload, false)
}

// Redeliveries counts the redelivery requests received.
func (s *Server) Redeliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.deliveries {
		if d.Redelivery {
			n++
		}
	}
	return n
}

func (s *Server) attempt(guid, event string, payload []byte, redelivery bool) int {
	s.mu.Lock()
	target := s.hook
	s.mu.Unlock()
	status := 0
	if target != nil {
		m := hmac.New(sha256.New, []byte(target.secret))
		m.Write(payload)
		req, _ := http.NewRequest(http.MethodPost, target.url, bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", guid)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
		if resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	d := &hookDelivery{ID: s.nextID, GUID: guid, DeliveredAt: time.Now().UTC(), Redelivery: redelivery,
		StatusCode: status, Status: statusText(status), Event: event, payload: payload}
	s.deliveries = append(s.deliveries, d)
	return status
}

func statusText(code int) string {
	if code == 0 {
		return "failed to connect"
	}
	if code >= 200 && code < 300 {
		return "OK"
	}
	return http.StatusText(code)
}

// listHookDeliveries is GET /app/hook/deliveries (App JWT): newest first,
// per_page at a time, continued by the cursor in the Link header.
func (s *Server) listHookDeliveries(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.checkJWT(w, r, c) {
		return
	}
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	s.mu.Lock()
	var page []*hookDelivery
	n := len(s.deliveries)
	for i := n - 1 - start; i >= 0 && len(page) < per; i-- {
		page = append(page, s.deliveries[i])
	}
	s.mu.Unlock()
	if next := start + len(page); next < n {
		w.Header().Set("Link", `<`+s.URL+`app/hook/deliveries?per_page=`+strconv.Itoa(per)+`&cursor=`+strconv.Itoa(next)+`>; rel="next"`)
	}
	if page == nil {
		page = []*hookDelivery{}
	}
	writeJSON(w, http.StatusOK, page)
}

// redeliver is POST /app/hook/deliveries/{id}/attempts (App JWT): 202, and
// the delivery is sent again (as a new attempt with the same guid).
func (s *Server) redeliver(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.checkJWT(w, r, c) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	var d *hookDelivery
	for _, x := range s.deliveries {
		if x.ID == id {
			d = x
		}
	}
	s.mu.Unlock()
	if d == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{})
	go s.attempt(d.GUID, d.Event, d.payload, true)
}
