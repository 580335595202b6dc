// crispwa fake inbox: live updates (Server-Sent Events) and the buttons.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (list) {
    var es = new EventSource("/events?since=" + encodeURIComponent(document.body.dataset.version || "0"));
    es.addEventListener("send", function (e) {
      var m = JSON.parse(e.data);
      var t = document.createElement("template");
      t.innerHTML = m.html; // rendered and escaped by the server's html/template
      var el = t.content.firstElementChild;
      var old = document.getElementById("msg-" + m.id);
      if (old) { old.replaceWith(el); } else { list.prepend(el); }
      var empty = document.getElementById("empty");
      if (empty) { empty.remove(); }
    });
    es.addEventListener("faults", function (e) {
      var t = document.createElement("template");
      t.innerHTML = JSON.parse(e.data).html;
      document.getElementById("faults-state").replaceChildren(t.content);
    });
  }
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
