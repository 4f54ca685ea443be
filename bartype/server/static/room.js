// The big-screen page: joins the room over /ws as a spectator and shows lanes,
// the countdown (on the server's clock) and the standings. Everything that comes
// from the network is set with textContent, never parsed as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const segment = location.pathname.split("/")[2] || "";
  const code = decodeURIComponent(segment).trim().toUpperCase();
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";

  const room = {
    state: null,
    players: new Map(), // member id -> name
    racers: [], // member ids, lane order
    lanes: new Map(), // member id -> lane elements
    startLocal: null, // the start signal, on performance.now()'s clock
    deadlineLocal: null,
    length: 0, // characters of the text
    offset: 0, // server ms minus performance.now()
    token: null,
    screen: 1, // suffix of this screen's own name, raised on NAME_TAKEN
    gone: false, // no such room: stop reconnecting
  };
  let ws = null;
  let retry = 0;

  // Control and formatting characters are shown escaped, never interpreted.
  const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;
  function shown(value) {
    return String(value).replace(CONTROL, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
  }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = shown(text);
    return node;
  }
  function nameOf(id) {
    return room.players.has(id) ? room.players.get(id) : id;
  }
  function ordinal(n) {
    const tens = n % 100;
    const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th";
    return n + suffix;
  }
  function notice(text) {
    const node = $("notice");
    node.textContent = shown(text);
    node.hidden = !text;
  }
  function send(type, data) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: type, data: data || {} }));
  }
  function join() {
    const name = room.screen === 1 ? "Big screen" : "Big screen " + room.screen;
    send("JOIN_ROOM", { code: code, name: name, watch: true });
  }

  function showState(state) {
    room.state = state;
    const labels = {
      lobby: "waiting for the race",
      countdown: "get ready",
      racing: "racing",
      finishing: "finishing",
      results: "race over",
    };
    $("state").textContent = labels[state] || shown(state);
    $("lobby").hidden = state !== "lobby";
    if (state === "lobby") {
      $("lanes").hidden = true;
      $("results").hidden = true;
      room.startLocal = null;
      room.deadlineLocal = null;
    }
  }

  function showPlayers(players) {
    const list = $("players");
    list.replaceChildren();
    for (const p of players) {
      if (p.role !== "racer") continue;
      const item = el("li", p.ready ? "ready" : "", (p.ready ? "✔ " : "· ") + p.name);
      if (!p.connected) item.append(el("span", "", " (away)"));
      list.append(item);
    }
  }

  function buildLanes(racers) {
    const lanes = $("lanes");
    lanes.replaceChildren();
    room.lanes.clear();
    for (const id of racers) {
      const lane = {
        place: el("div", "place", ""),
        name: el("div", "name", nameOf(id)),
        track: el("div", "track"),
        fill: el("div", "fill"),
        wpm: el("div", "wpm", "0 wpm"),
      };
      lane.track.append(lane.fill);
      lane.name.dataset.id = id;
      lanes.append(lane.place, lane.name, lane.track, lane.wpm);
      room.lanes.set(id, lane);
    }
    lanes.hidden = false;
    $("results").hidden = true;
  }

  function showProgress(data) {
    for (const r of data.racers) {
      const lane = room.lanes.get(r.id);
      if (!lane) continue;
      const share = data.length > 0 ? Math.min(100, (100 * r.position) / data.length) : 0;
      lane.fill.style.width = share.toFixed(1) + "%";
      lane.fill.dataset.position = String(r.position);
      lane.place.textContent = ordinal(r.place);
      lane.wpm.textContent = Math.round(r.wpm) + " wpm";
      const cls = r.status === "finished" ? "finished" : r.status === "dnf" ? "dnf" : !r.connected ? "away" : "";
      lane.track.className = "track " + cls;
    }
  }

  function showStandings(data) {
    // The last lanes: the race may end before another tick would have shown them.
    showProgress({
      length: data.length,
      racers: data.standings.map((s) => ({ ...s, connected: true })),
    });
    const body = $("standings");
    body.replaceChildren();
    for (const s of data.standings) {
      const row = el("tr");
      row.append(
        el("td", "", ordinal(s.place)),
        el("td", "who", s.name),
        el("td", "", s.wpm.toFixed(1)),
        el("td", "", s.accuracy.toFixed(1) + "%"),
        el("td", "", s.status === "finished" ? (s.timeMs / 1000).toFixed(2) + " s" : "DNF"),
        el("td", "flags", s.flags.join(", "))
      );
      body.append(row);
    }
    $("results").hidden = false;
  }

  function tick() {
    const now = performance.now();
    const clock = $("clock");
    if (room.state === "results" || !$("results").hidden) {
      clock.textContent = "Finished"; // the standings come just before the state
    } else if (room.state === "countdown" && room.startLocal !== null) {
      const left = room.startLocal - now;
      clock.textContent = left > 0 ? String(Math.ceil(left / 1000)) : "Go!";
    } else if (room.state === "racing" && room.startLocal !== null) {
      clock.textContent = ((now - room.startLocal) / 1000).toFixed(1) + " s";
    } else if (room.state === "finishing" && room.deadlineLocal !== null) {
      const left = Math.max(0, room.deadlineLocal - now);
      clock.textContent = "finish within " + Math.ceil(left / 1000) + " s";
    } else {
      clock.textContent = "";
    }
  }

  const on = {
    WELCOME() {
      if (room.token) send("RESUME_ROOM", { code: code, token: room.token });
      else join();
    },
    ROOM_JOINED(d) {
      room.token = d.token;
      retry = 0;
      $("code").textContent = shown(d.code);
      notice("");
    },
    ROOM_STATE(d) {
      room.players = new Map(d.players.map((p) => [p.id, p.name]));
      for (const [id, lane] of room.lanes) lane.name.textContent = shown(nameOf(id));
      showPlayers(d.players);
      showState(d.state);
    },
    RACE_COUNTDOWN(d) {
      room.offset = d.serverTime - performance.now();
      room.startLocal = d.startsAt - room.offset;
      room.deadlineLocal = null;
      room.racers = d.racers;
      room.length = [...d.text].length;
      buildLanes(d.racers);
    },
    RACE_PROGRESS(d) {
      room.length = d.length;
      showProgress(d);
    },
    RACER_FINISHED(d) {
      room.deadlineLocal = d.deadlineAt - room.offset;
      showProgress({
        length: room.length,
        racers: [{ ...d, position: room.length, status: "finished", connected: true }],
      });
    },
    RACE_STANDINGS: showStandings,
    ROOM_LEFT() {
      room.token = null;
      notice("This screen left the room.");
    },
    ERROR(d) {
      if (d.code === "ROOM_NOT_FOUND") {
        room.gone = true;
        showState("none");
        $("state").textContent = "";
        notice("No such room: " + (code || "(no code)") + ". Check the code on the host's screen.");
        ws.close();
      } else if (d.code === "NAME_TAKEN") {
        room.screen += 1;
        join();
      } else if (d.code === "RESUME_EXPIRED" || d.code === "ROOM_TAKEN_OVER") {
        room.token = null;
        join();
      } else {
        notice(d.message || d.code);
      }
    },
  };

  function connect() {
    ws = new WebSocket(url);
    ws.addEventListener("open", () => send("HELLO", { version: 1, client: "bartype-page" }));
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      const handle = on[message.type];
      if (handle) handle(message.data || {});
      tick();
    });
    ws.addEventListener("close", () => {
      if (room.gone) return;
      $("state").textContent = "reconnecting…";
      const delays = [50, 100, 250, 500, 1000];
      setTimeout(connect, retry < delays.length ? delays[retry] : 2000);
      retry += 1;
    });
  }

  $("code").textContent = shown(code);
  setInterval(tick, 100);
  connect();
})();
