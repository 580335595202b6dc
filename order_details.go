package crispwa

import "encoding/json"

// checkOrderDetailsAction (filled in below).
func (c *tmplChecker) checkOrderDetailsAction(field string, raw json.RawMessage) {}
