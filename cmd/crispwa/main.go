// Command crispwa works with the Crisp WhatsApp plugin API from the shell:
// list templates, send one, receive the delivery callbacks, run a campaign
// from a CSV file, and run the whole flow offline with "crispwa demo".
//
// Usage:
//
//	crispwa demo                      the whole flow against an in-process fake, no credentials
//	crispwa templates [flags]         list the website's templates
//	crispwa send [flags]              send a template message
//	crispwa listen [flags]            print the callbacks Crisp posts (no API variables needed)
//	crispwa bulk [flags]              send a template to every row of a CSV, resumably
//	crispwa bulk status|resolve       report on a campaign's journal, or settle rows
//	crispwa suppressions list|add|remove|import  the numbers a campaign never sends to
//	crispwa doctor [flags]            check the configuration, and say how to fix it
//	crispwa fake [flags]              a local fake Crisp API and its inbox page
//	crispwa version                   the command's version
//	crispwa completion bash|zsh|fish  a shell completion script
//	crispwa help [command]            help on a command
//
// templates, send and bulk read CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER,
// CRISP_WHATSAPP_KEY and, optionally, CRISP_WHATSAPP_BASE_URL. Exit status:
// 0 success; 1 something was refused or invalid (safe to fix and re-run);
// 2 bad usage or configuration; 3 some send outcomes are unknown (a message
// may have gone out: do not re-run blindly); 4 a campaign stopped by an
// account failure; 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/crispwa/crispwa"
)

// Exit statuses, the same for every command.
const (
	exitOK      = 0
	exitFailure = 1 // something was refused or invalid: safe to fix and re-run
	exitUsage   = 2 // the command line or the configuration is wrong
	exitUnknown = 3 // some send outcomes are unknown: a message may have gone out
	exitStopped = 4 // the campaign was stopped by an account-class failure
	// exitInterrupted is the shell's convention for a command ended by
	// SIGINT (128+2): the run stopped at Ctrl-C (or SIGTERM).
	exitInterrupted = 130
)

// exitCodesHelp is the exit-status paragraph of the help texts.
const exitCodesHelp = `Exit status: 0 every send accepted (or already sent); 1 some refused or
invalid (safe to fix and re-run); 2 bad usage or configuration (a locked
journal, a CSV that does not fit the template); 3 some outcomes unknown (a
message may have gone out: do not re-run blindly); 4 the campaign stopped on
an account failure (nothing more is sent until it is fixed); 130 interrupted
(run the same command again to resume).`

// cmdEnv is what a subcommand gets from the process: output streams, the
// environment, and the second interrupt. Tests inject their own.
type cmdEnv struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// stopNow is closed at the second Ctrl-C (the first one cancels the
	// context): stop without waiting for anything. nil: never.
	stopNow <-chan struct{}
	// stdin is where a confirmation is read; interactive says whether stdin
	// and stderr are terminals (a prompt is only shown when both are).
	stdin       io.Reader
	interactive bool
	// flagsOnly, when set, receives each flag set parse is given, and parse
	// then stops the command before it does anything: the shell completion
	// reads the commands' flags this way.
	flagsOnly func(*flag.FlagSet)
	// observer is the telemetry of --otel (otel.go); nil: none.
	observer *crispwa.Observer
}

// command is one subcommand. run gets the arguments after the subcommand's
// name and returns the exit status.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *cmdEnv, args []string) int
}

// commands is the subcommand table, in the order "crispwa help" lists them.
// Add a subcommand with one line here. Its run function parses its flags
// with newFlagSet and parse (which handle --help and bad usage), gets a
// client with clientFromEnv(e.getenv), writes to e.stdout and e.stderr, and
// returns exitOK, failure(e, name, err) or usageError(e, name, msg).
func commands() []command {
	return []command{
		{"demo", "run the whole flow against an in-process fake API (no network, no credentials)", runDemo},
		{"templates", "list the website's message templates", runTemplates},
		{"send", "send a template message", runSend},
		{"listen", "receive Crisp's callbacks and print one JSON line each", runListen},
		{"bulk", "send a template to every row of a CSV file, resumably", runBulk},
		{"suppressions", "list, add, remove or import the numbers a campaign never sends to", runSuppressions},
		{"doctor", "check the credentials, website, template, callback URL and stores, and say how to fix them", runDoctor},
		{"fake", "serve a local fake Crisp API and its inbox page (no network, no credentials)", runFake},
		{"worker", "work the send jobs of the campaigns in a PostgreSQL database (bulk --store)", runWorker},
		{"version", "print the command's version", runVersion},
		{"completion", "print a shell completion script: crispwa completion bash|zsh|fish", runCompletion},
	}
}

func main() {
	// The first Ctrl-C (or SIGTERM) cancels ctx: commands stop cleanly. The
	// second closes stopNow: stop at once. A third gets the default action.
	ctx, cancel := context.WithCancel(context.Background())
	stopNow := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(stopNow)
		signal.Stop(sigs)
	}()
	interactive := term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
	code := dispatch(ctx, &cmdEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stopNow: stopNow,
		stdin: os.Stdin, interactive: interactive}, os.Args[1:])
	cancel()
	os.Exit(code)
}

// run is the whole command, without os.Exit, so that tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return dispatch(ctx, &cmdEnv{stdout: stdout, stderr: stderr, getenv: getenv}, args)
}

// dispatch runs the subcommand args[0] with e.
func dispatch(ctx context.Context, e *cmdEnv, args []string) int {
	stderr, stdout := e.stderr, e.stdout
	if len(args) == 0 {
		rootUsage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if name == "--otel" || name == "-otel" {
		return dispatchWithOtel(ctx, e, rest)
	}
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(rest) > 0 && rest[0] == "help" {
			fmt.Fprintln(stdout, "Usage: crispwa help [command]\n\nShows the list of commands, or the help of one command (the same as\n'crispwa <command> --help').")
			return exitOK
		}
		if name == "help" && len(rest) > 0 {
			// "crispwa help send" is "crispwa send --help".
			if c, ok := lookup(rest[0]); ok {
				return c.run(ctx, e, []string{"--help"})
			}
			return unknownCommand(stderr, rest[0])
		}
		rootUsage(stdout)
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		return unknownCommand(stderr, name)
	}
	return c.run(ctx, e, rest)
}

// unknownCommand reports a command name that is not one, with the closest
// names when some are near, and returns exitUsage.
func unknownCommand(w io.Writer, name string) int {
	names := []string{"help"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, "crispwa: unknown command %q%s\n", sanitize(name, maxServerText), didYouMean(name, names, ""))
	rootUsage(w)
	return exitUsage
}

// didYouMean returns " (did you mean X or Y?)" for the names close to
// name, each written with prefix, or "" when none is.
func didYouMean(name string, names []string, prefix string) string {
	close := closest(name, names, 2)
	if len(close) == 0 {
		return ""
	}
	for i := range close {
		close[i] = prefix + close[i]
	}
	return " (did you mean " + strings.Join(close, " or ") + "?)"
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func rootUsage(w io.Writer) {
	fmt.Fprintln(w, "crispwa: the Crisp WhatsApp plugin API from the shell.")
	fmt.Fprintln(w, "\nUsage: crispwa <command> [flags]\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help", "show help on a command: crispwa help <command>")
	fmt.Fprintf(tw, "\nAlso:\n  %s\t%s\n", "bulk status", "report on a campaign's journal (crispwa bulk status --help)")
	fmt.Fprintf(tw, "  %s\t%s\n", "bulk resolve", "record what you found in Crisp about unknown rows (crispwa bulk resolve --help)")
	fmt.Fprintf(tw, "  %s\t%s\n", "bulk retry", "send the rows to retry later whose wait has passed (crispwa bulk retry --help)")
	fmt.Fprintf(tw, "  %s\t%s\n", "--otel <command>", "send the command's traces and metrics over OTLP (crispwa --otel)")
	_ = tw.Flush()
	fmt.Fprintln(w, "\ntemplates, send and bulk read CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER,")
	fmt.Fprintln(w, "CRISP_WHATSAPP_KEY and, optionally, CRISP_WHATSAPP_BASE_URL; demo, fake,")
	fmt.Fprintln(w, "listen, bulk status, bulk resolve, suppressions, version and completion")
	fmt.Fprintln(w, "need none of them; doctor checks them.")
	fmt.Fprintln(w, "\n"+exitCodesHelp)
}

// newFlagSet returns a flag set for a subcommand; usage is the synopsis
// after "crispwa <name>", about says what the command does.
func newFlagSet(name, usage, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports the errors itself
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: crispwa %s %s\n\n%s\n", name, usage, about)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args into fs. It returns ok false and the exit status when
// the command must stop: 0 after --help (usage on stdout), 2 after a bad
// flag or, unless positional is true, an unexpected argument.
func parse(fs *flag.FlagSet, e *cmdEnv, args []string, positional bool) (code int, ok bool) {
	if e.flagsOnly != nil {
		e.flagsOnly(fs)
		return exitOK, false
	}
	err := fs.Parse(args)
	if err == nil && !positional && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(e.stdout)
		fs.Usage()
		return exitOK, false
	default:
		msg := err.Error()
		if name, found := strings.CutPrefix(msg, "flag provided but not defined: -"); found {
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			msg += didYouMean(strings.TrimPrefix(name, "-"), names, "--")
		}
		return usageError(e, fs.Name(), msg), false
	}
}

// missingFlags returns "--a and --b are required" for the flags of
// required whose value is empty, all of them at once, or "".
func missingFlags(required ...[2]string) string {
	var missing []string
	for _, r := range required {
		if strings.TrimSpace(r[1]) == "" {
			missing = append(missing, r[0])
		}
	}
	switch len(missing) {
	case 0:
		return ""
	case 1:
		return missing[0] + " is required"
	}
	return strings.Join(missing[:len(missing)-1], ", ") + " and " + missing[len(missing)-1] + " are required"
}

// usageError reports bad usage on stderr and returns exitUsage.
func usageError(e *cmdEnv, name, msg string) int {
	fmt.Fprintf(e.stderr, "crispwa %s: %s\nRun 'crispwa %s --help' for usage.\n", name, msg, name)
	return exitUsage
}

// failure reports err on stderr, in the operator's words (see explain),
// and returns its exit status.
func failure(e *cmdEnv, name string, err error) int {
	msg, code := explain(err)
	fmt.Fprintf(e.stderr, "crispwa %s: %s\n", name, msg)
	return code
}
