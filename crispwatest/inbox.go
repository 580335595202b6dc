package crispwatest

import "net/http"

func (s *Server) inboxHandler() http.Handler { return http.NotFoundHandler() }
