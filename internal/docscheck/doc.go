// Package docscheck holds the test that keeps the documentation honest:
// every ```go block in README.md and docs/*.md compiles (each block is a
// complete file: a package clause, its imports, its code), and every
// relative link and #anchor in them resolves. It has no code of its own.
package docscheck
