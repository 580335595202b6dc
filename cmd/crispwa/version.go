package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

const versionAbout = `Prints the command's module version (as "go install ...@VERSION" built it,
or "(devel)" from a checkout), the VCS revision it was built from when Go
recorded one, and the Go version.`

// buildVersion is what "crispwa version" reports.
type buildVersion struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// readVersion reads the build information Go embeds in the binary.
func readVersion(info *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Module: "github.com/crispwa/crispwa", Version: "unknown"}
	if !ok || info == nil {
		return v
	}
	v.Go = info.GoVersion
	if info.Main.Path != "" {
		v.Module = info.Main.Path
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line "crispwa version" prints.
func (v buildVersion) String() string {
	s := "crispwa " + v.Version
	if v.Revision != "" {
		s += ", revision " + v.Revision
		if v.Time != "" {
			s += " (" + v.Time + ")"
		}
		if v.Modified {
			s += ", with local changes"
		}
	}
	if v.Go != "" {
		s += ", " + v.Go
	}
	return s
}

func runVersion(_ context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("version", "[--output text|json]", versionAbout)
	output := outputFlag(fs)
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	if msg := checkOutput(*output); msg != "" {
		return usageError(e, "version", msg)
	}
	v := readVersion(debug.ReadBuildInfo())
	if *output == outputJSON {
		_ = writeJSON(e.stdout, v)
		return exitOK
	}
	fmt.Fprintln(e.stdout, v)
	return exitOK
}
