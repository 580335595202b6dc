// crispwa fake inbox: live updates (Server-Sent Events) and the buttons.
// Every card arrives rendered and escaped by the server's html/template.
(function () {
  "use strict";
  var body = document.body;
  var view = body.dataset.view;
  var live = body.dataset.live === "1";
  var limit = parseInt(body.dataset.limit || "50", 10);
  var digits = function (s) { return (s || "").replace(/\D/g, ""); };
  var fragment = function (html) {
    var t = document.createElement("template");
    t.innerHTML = html; // server-rendered, escaped
    return t.content.firstElementChild;
  };
  var fresh = 0;
  var showFresh = function () {
    var p = document.getElementById("fresh");
    if (!p) { return; }
    fresh++;
    p.hidden = false;
    p.firstElementChild.textContent = fresh + " new message(s): show them";
    p.firstElementChild.href = "/";
  };
  if (view === "list" || view === "thread" || view === "detail") {
    var es = new EventSource("/events?since=" + encodeURIComponent(body.dataset.version || "0"));
    es.addEventListener("clear", function () { window.location.reload(); });
    es.addEventListener("send", function (e) {
      var m = JSON.parse(e.data);
      if (view === "list") {
        var list = document.getElementById("messages");
        var old = document.getElementById("msg-" + m.id);
        if (old) { old.replaceWith(fragment(m.html)); return; }
        if (!live) { showFresh(); return; }
        list.prepend(fragment(m.html));
        while (list.children.length > limit) { list.lastElementChild.remove(); }
        var empty = document.getElementById("empty");
        if (empty) { empty.remove(); }
        var count = document.getElementById("count");
        if (count) {
          var shown = list.children.length;
          count.firstChild.textContent = "1–" + shown.toLocaleString("en-US") + " of " + Number(m.kept).toLocaleString("en-US") + " ";
        }
      } else if (view === "thread") {
        var row = document.getElementById("row-" + m.id);
        if (row) { row.replaceWith(fragment(m.row)); return; }
        if (live && m.to === digits(body.dataset.to)) {
          document.getElementById("thread").append(fragment(m.row));
          var tc = document.getElementById("tcount");
          if (tc) { tc.textContent = (parseInt(tc.textContent.replace(/\D/g, ""), 10) + 1).toLocaleString("en-US"); }
          window.scrollTo(0, document.body.scrollHeight);
        }
      } else if (m.id === body.dataset.id) {
        window.location.reload();
      }
    });
    es.addEventListener("faults", function (e) {
      var fs = document.getElementById("faults-state");
      if (fs) { fs.replaceChildren(fragment(JSON.parse(e.data).html)); }
    });
  }
  if (view === "thread") { window.scrollTo(0, document.body.scrollHeight); }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-action]");
    if (!b) { return; }
    ev.preventDefault();
    var data = new URLSearchParams(new FormData(b.closest("form")));
    data.set("action", b.dataset.action);
    b.disabled = true;
    fetch("/action", { method: "POST", headers: { "X-Crispwa-Inbox": "1" }, body: data })
      .then(function (r) { return r.ok ? "" : r.text(); })
      .then(function (err) { if (err) { window.alert(err); } })
      .finally(function () { b.disabled = false; });
  });
})();
