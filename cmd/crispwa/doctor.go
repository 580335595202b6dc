package main

import "context"

func runDoctor(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("doctor", "[flags]", "")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	return exitOK
}
