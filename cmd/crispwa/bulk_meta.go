package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"time"
)

// campaignMeta is what the journal does not record about a campaign: its
// file and how many rows it has, so that 'crispwa bulk status' can say how
// much remains. It is kept beside the journal, in JOURNAL.meta.json,
// rewritten (atomically) at each run.
type campaignMeta struct {
	CSV      string    `json:"csv"`
	Template string    `json:"template"`
	Language string    `json:"language"`
	Rows     int       `json:"rows"`    // rows past the header
	Valid    int       `json:"valid"`   // rows that can be sent
	Invalid  int       `json:"invalid"` // rows that cannot
	Time     time.Time `json:"time"`    // of the run that wrote it
}

// metaPath is the campaign file of a journal.
func metaPath(journal string) string { return journal + ".meta.json" }

// writeCampaignMeta records m beside the journal.
func writeCampaignMeta(journal string, m campaignMeta) error {
	m.Time = time.Now().UTC().Truncate(time.Second)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(journal), ".crispwa-meta-*")
	if err != nil {
		return &configError{err}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), metaPath(journal))
}

// maxMetaSize caps the campaign file read: it is a few lines.
const maxMetaSize = 64 << 10

// readCampaignMeta reads the campaign file of a journal; nil when there is
// none (a journal of an older version, or of the library alone) or it
// cannot be read.
func readCampaignMeta(journal string) *campaignMeta {
	f, err := os.Open(metaPath(journal))
	if err != nil { // none (fs.ErrNotExist), or unreadable: status does without it
		return nil
	}
	defer f.Close()
	var m campaignMeta
	if err := json.NewDecoder(io.LimitReader(f, maxMetaSize)).Decode(&m); err != nil || m.Rows < 0 || m.Valid < 0 {
		return nil
	}
	return &m
}
