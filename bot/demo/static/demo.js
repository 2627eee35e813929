/* mentorbot demo page: plays LINE for the bot.
 *
 * The person types; this script builds the webhook LINE would send (same JSON shape, signed with
 * the channel secret: HMAC-SHA256 of the exact body bytes, base64, in X-Line-Signature) and posts
 * it to /callback. What the bot sends goes to the stand-in Messaging API mounted under /_line;
 * this script polls it and draws the messages the way LINE would (roughly).
 */
(() => {
  'use strict';

  const STORE = 'mentorbot-demo:';
  const POLL_MS = 700;
  const OTHERS_MS = 3000;
  const MAX_ITEMS = 300;
  const THAI_MONTHS = ['ม.ค.', 'ก.พ.', 'มี.ค.', 'เม.ย.', 'พ.ค.', 'มิ.ย.', 'ก.ค.', 'ส.ค.', 'ก.ย.',
    'ต.ค.', 'พ.ย.', 'ธ.ค.'];
  // How a message reached the person, when not as the answer to what they sent.
  const VIA_LABEL = { push: 'แจ้งเตือน', multicast: 'ส่งถึงหลายคน', broadcast: 'ประกาศถึงทุกคน' };
  const ROLE_LABEL = { mentor: 'พี่เลี้ยง', coordinator: 'ผู้ประสานงาน ศจพ.อ.', province: 'เจ้าหน้าที่ ศจพ.จ.', stranger: 'ผู้ใช้ทั่วไป' };
  // LIFF apps' links: opened on this server's LIFF page, not on LINE's site (see openLiff).
  const LIFF_URL = 'https://liff.line.me/';

  const $ = (id) => document.getElementById(id);
  const els = {
    people: $('people'), panel: $('people-panel'), who: $('who'), chat: $('chat'), empty: $('empty'),
    input: $('message-input'), send: $('send-btn'), composer: $('composer'), tools: $('tools'),
    quick: $('quick-replies'), banner: $('banner'), bannerText: $('banner-text'),
    picker: $('picker'), pickerInput: $('picker-input'), pickerLabel: $('picker-label'),
    typing: $('typing'), richMenu: $('rich-menu'),
  };

  const state = {
    session: null,
    people: [],
    current: null,          // the person being played
    chats: {},              // userId -> {since, items}
    unread: {},             // userId -> count of messages not seen yet
    polling: false,
    requestsSince: 0,       // stand-in request seq already looked at
    watchFrom: null,        // violations in requests after this seq go to the banner
    bannerLines: [],
    pickerAction: null,
    typingUntil: 0,
    richMenuKey: null,
    richMenuOpen: true,
  };

  // ---------------------------------------------------------------- small helpers
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const enc = new TextEncoder();
  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  function randomToken(len) {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const a = new Uint8Array(len);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => abc[b % abc.length]).join('');
  }
  function ulid() {
    // 48-bit time + 80 random bits in Crockford base32: what LINE's webhookEventId looks like.
    const abc = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let t = Date.now();
    let time = '';
    for (let i = 0; i < 10; i++) { time = abc[t % 32] + time; t = Math.floor(t / 32); }
    const r = new Uint8Array(16);
    crypto.getRandomValues(r);
    return time + Array.from(r, (b) => abc[b % 32]).join('');
  }
  let messageCounter = 0;
  function messageId() {
    messageCounter = (messageCounter + 1) % 1000;
    return String(Date.now()) + String(messageCounter).padStart(3, '0') + String(Math.floor(Math.random() * 100)).padStart(2, '0');
  }
  function newUserId() { return 'U' + randomHex(16); }
  function hhmm(date) {
    const d = date instanceof Date ? date : new Date(date);
    if (isNaN(d)) return '';
    return d.toLocaleTimeString('th-TH', { hour: '2-digit', minute: '2-digit', hour12: false });
  }
  function thaiDate(iso) {
    // "2026-05-07" -> "7 พ.ค. 2569" (Buddhist Era, as users expect)
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
    if (!m) return iso;
    return `${Number(m[3])} ${THAI_MONTHS[Number(m[2]) - 1]} ${Number(m[1]) + 543}`;
  }
  function b64(buf) {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function store(key, value) {
    try { localStorage.setItem(STORE + key, JSON.stringify(value)); } catch (e) { /* full or private */ }
  }
  function load(key, fallback) {
    try { const v = localStorage.getItem(STORE + key); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  async function getJSON(url) {
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) throw new Error(`${url} → ${r.status}`);
    return r.json();
  }

  // ---------------------------------------------------------------- signing (like LINE)
  // SHA-256 for pages opened over plain HTTP on another host (crypto.subtle exists only in a
  // secure context: localhost, 127.0.0.1 or HTTPS).
  function sha256(data) {
    const K = new Uint32Array([
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
      0x1f83d9ab, 0x5be0cd19]);
    const len = data.length;
    const total = Math.ceil((len + 9) / 64) * 64;
    const buf = new Uint8Array(total);
    buf.set(data);
    buf[len] = 0x80;
    const view = new DataView(buf.buffer);
    view.setUint32(total - 8, Math.floor(len / 0x20000000));
    view.setUint32(total - 4, (len * 8) >>> 0);
    const W = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
        const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, hh] = H;
      for (let i = 0; i < 64; i++) {
        const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[i] + W[i]) >>> 0;
        const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) >>> 0;
        hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += hh;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(i * 4, H[i]);
    return out;
  }
  function hmacSha256(key, data) {
    let k = key.length > 64 ? sha256(key) : key;
    const block = new Uint8Array(64);
    block.set(k);
    const inner = new Uint8Array(64 + data.length);
    const outer = new Uint8Array(64 + 32);
    for (let i = 0; i < 64; i++) { inner[i] = block[i] ^ 0x36; outer[i] = block[i] ^ 0x5c; }
    inner.set(data, 64);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }
  let subtleKey = null;
  async function sign(bodyBytes) {
    const secret = enc.encode(state.session.channelSecret);
    if (window.crypto && crypto.subtle) {
      if (!subtleKey) {
        subtleKey = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      }
      return b64(await crypto.subtle.sign('HMAC', subtleKey, bodyBytes));
    }
    return b64(hmacSha256(secret, bodyBytes));
  }

  // ---------------------------------------------------------------- chats (kept in the browser)
  function chatKey(userId) { return `chat:${state.session.runId}:${userId}`; }
  function chatOf(userId) {
    if (!state.chats[userId]) state.chats[userId] = load(chatKey(userId), null) || { since: 0, items: [] };
    return state.chats[userId];
  }
  function saveChat(userId) {
    const chat = chatOf(userId);
    if (chat.items.length > MAX_ITEMS) chat.items = chat.items.slice(-MAX_ITEMS);
    store(chatKey(userId), chat);
  }
  function forgetOldRuns(runId) {
    try {
      const drop = [];
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(STORE + 'chat:') && !k.startsWith(`${STORE}chat:${runId}:`)) drop.push(k);
      }
      drop.forEach((k) => localStorage.removeItem(k));
    } catch (e) { /* ignore */ }
  }
  function addItem(item) {
    if (!state.current) return;
    const uid = state.current.userId;
    const chat = chatOf(uid);
    item.at = item.at || new Date().toISOString();
    chat.items.push(item);
    saveChat(uid);
    appendItem(item);
    updateQuickReplies();
  }
  function note(text, error) { addItem({ from: 'system', text, error: !!error }); }

  // ---------------------------------------------------------------- people
  function strangerPerson() {
    let uid = load('stranger', null);
    if (!uid || !/^U[0-9a-f]{32}$/.test(uid)) { uid = newUserId(); store('stranger', uid); }
    return { key: 'stranger', name: 'คนแปลกหน้า', role: 'stranger', roleLabel: ROLE_LABEL.stranger,
      district: '', registered: false, code: null, userId: uid, households: 0 };
  }
  function mergePeople(list) {
    const ids = load('users', {});
    const merged = list.map((p) => {
      // The server's id wins: it is the one registered in the bot, or derived from the person id.
      ids[p.key] = p.userId;
      return p;
    });
    store('users', ids);
    merged.push(strangerPerson());
    return merged;
  }
  async function refreshPeople() {
    try {
      const data = await getJSON('/demo/api/people');
      state.people = mergePeople(data.people);
      if (state.current) {
        const again = state.people.find((p) => p.key === state.current.key);
        if (again && again.userId !== state.current.userId) { selectPerson(again.key); return; }
        if (again) state.current = again;
      }
      renderPeople();
      updateWho();
    } catch (e) { /* the next refresh will do */ }
  }
  function renderPeople() {
    els.people.replaceChildren(...state.people.map((p) => {
      const unread = state.unread[p.userId] || 0;
      const codeRow = p.code ? h('div', { class: 'row' },
        h('span', { class: 'meta' }, 'รหัสลงทะเบียน'),
        h('span', { class: 'code', 'data-code': p.code }, p.code),
        h('button', { type: 'button', class: 'use-code', title: 'ใส่รหัสในช่องพิมพ์',
          onclick: (ev) => { ev.stopPropagation(); selectPerson(p.key); els.input.value = p.code; els.input.focus(); } },
        'ใส่ในช่องพิมพ์')) : null;
      const strangerRow = p.role === 'stranger' ? h('div', { class: 'row' },
        h('span', { class: 'meta' }, 'ผู้ใช้ LINE ที่ยังไม่ลงทะเบียน'),
        h('button', { type: 'button', class: 'use-code', title: 'ผู้ใช้ LINE คนใหม่ที่ยังไม่ลงทะเบียน',
          onclick: (ev) => { ev.stopPropagation(); store('stranger', newUserId()); refreshPeople().then(() => selectPerson('stranger')); } },
        'คนใหม่')) : null;
      return h('li', {
        class: 'person' + (state.current && state.current.key === p.key ? ' current' : ''),
        'data-key': p.key, 'data-role': p.role, 'data-user-id': p.userId,
        'data-registered': p.registered ? 'yes' : 'no',
        tabindex: '0', role: 'button',
        onclick: () => selectPerson(p.key),
        onkeydown: (ev) => { if (ev.key === 'Enter') selectPerson(p.key); },
      },
      h('div', { class: 'name' }, p.name),
      h('div', { class: 'row' },
        h('span', { class: `badge role-${p.role}` }, p.roleLabel || ROLE_LABEL[p.role] || p.role),
        p.district ? h('span', { class: 'meta' }, `อ.${p.district}`) : null,
        p.role !== 'stranger' ? h('span', { class: 'badge ' + (p.registered ? 'ok' : 'no') },
          p.registered ? 'ลงทะเบียนแล้ว' : 'ยังไม่ลงทะเบียน') : null,
        p.households ? h('span', { class: 'meta' }, `ดูแล ${p.households} ครัวเรือน`) : null,
        unread ? h('span', { class: 'badge unread', title: 'ข้อความที่ยังไม่ได้อ่าน' }, `ใหม่ ${unread}`) : null),
      p.position ? h('div', { class: 'meta' }, [p.position, p.agency].filter(Boolean).join(' · ')) : null,
      codeRow, strangerRow);
    }));
  }
  function updateWho() {
    const p = state.current;
    els.who.textContent = p ? `คุณคือ: ${p.name} (${p.roleLabel || ROLE_LABEL[p.role]}${p.district ? (p.role === 'coordinator' ? '' : ' อ.') + p.district : ''})` : 'ยังไม่ได้เลือกผู้ใช้';
  }
  function selectPerson(key) {
    const p = state.people.find((x) => x.key === key);
    if (!p) return;
    state.current = p;
    store('current', key);
    state.unread[p.userId] = 0;
    closePicker();
    renderPeople();
    updateWho();
    renderChat();
    els.input.disabled = false;
    els.send.disabled = false;
    if (window.matchMedia('(max-width: 780px)').matches) els.panel.classList.add('collapsed');
    state.richMenuKey = null;
    refreshRichMenu();
    poll();
  }

  // ---------------------------------------------------------------- drawing the chat
  function renderChat() {
    els.chat.replaceChildren();
    const items = state.current ? chatOf(state.current.userId).items : [];
    if (!items.length) els.chat.append(els.empty);
    items.forEach((item) => appendItem(item, true));
    updateQuickReplies();
    scrollDown();
  }
  function scrollDown() { els.chat.scrollTop = els.chat.scrollHeight; }
  function appendItem(item, bulk) {
    if (els.empty.parentNode) els.empty.remove();
    let row;
    if (item.from === 'system') {
      row = h('div', { class: 'msg system' + (item.error ? ' error' : '') }, h('div', { class: 'note' }, item.text));
    } else if (item.from === 'me') {
      row = h('div', { class: 'msg me', 'data-kind': item.kind },
        h('div', { class: 'content' }, renderMine(item), h('span', { class: 'time' }, hhmm(item.at))));
    } else {
      const content = h('div', { class: 'content' });
      const sender = item.message && item.message.sender && item.message.sender.name;
      if (sender) content.append(h('span', { class: 'alt' }, sender));
      content.append(safeRender(item.message));
      content.append(h('span', { class: 'time' }, hhmm(item.at) + (VIA_LABEL[item.via] ? ` · ${VIA_LABEL[item.via]}` : '')));
      if (['flex', 'template'].includes(item.message && item.message.type)) content.classList.add('wide');
      row = h('div', { class: 'msg bot', 'data-seq': item.seq, 'data-type': item.message && item.message.type },
        h('div', { class: 'avatar', title: 'mentorbot' }, 'บอท'), content);
    }
    els.chat.append(row);
    if (!bulk) scrollDown();
  }
  function renderMine(item) {
    switch (item.kind) {
      case 'sticker': return h('div', { class: 'sticker', title: 'สติกเกอร์' }, '🐻');
      case 'location': return h('div', { class: 'bubble' }, `📍 ${item.title}\n${item.address}`);
      case 'image': return h('div', { class: 'bubble' }, `🖼 ${item.name || 'รูปภาพ'}`);
      case 'follow': return h('div', { class: 'bubble' }, '➕ (เพิ่มเพื่อน / follow)');
      default: return h('div', { class: 'bubble' }, item.text);
    }
  }
  function safeRender(message) {
    try {
      return renderMessage(message);
    } catch (err) {
      const alt = message && (message.altText || message.text);
      return h('div', { class: 'bubble fail' },
        'แสดงข้อความนี้ไม่ได้' + (alt ? `\n${alt}` : ''),
        h('details', { class: 'raw' }, h('summary', {}, `${(message && message.type) || '?'}: ${err.message}`),
          h('pre', {}, JSON.stringify(message, null, 2))));
    }
  }
  function altCaption(m) { return m.altText ? h('span', { class: 'alt', title: 'ข้อความที่แสดงในการแจ้งเตือน' }, `🔔 ${m.altText}`) : null; }
  function renderMessage(m) {
    switch (m.type) {
      case 'text': return h('div', { class: 'bubble' }, m.text);
      case 'textV2': return h('div', { class: 'bubble' }, (m.text || '').replace(/\{([^}]+)\}/g, (all, key) => {
        const s = (m.substitution || {})[key];
        if (!s) return all;
        if (s.type === 'mention') return '@' + ((s.mentionee && s.mentionee.userId) || 'all');
        return s.type === 'emoji' ? '😀' : all;
      }));
      case 'sticker': return h('div', { class: 'sticker', title: `sticker ${m.packageId}/${m.stickerId}` }, '🐻');
      case 'image': return imageOr(m.previewImageUrl || m.originalContentUrl, 'รูปภาพ', { class: 'card-img', style: { maxWidth: '220px', borderRadius: '12px' } });
      case 'video': return h('div', { class: 'bubble' }, '🎬 วิดีโอ');
      case 'audio': return h('div', { class: 'bubble' }, `🔊 เสียง (${Math.round((m.duration || 0) / 1000)} วินาที)`);
      case 'location': return h('div', { class: 'bubble' }, `📍 ${m.title || ''}\n${m.address || ''}\n${m.latitude}, ${m.longitude}`);
      case 'imagemap': return h('div', {}, altCaption(m), h('div', { class: 'bubble' }, `[imagemap] ${m.altText || ''}`));
      case 'template': return h('div', {}, renderTemplate(m.template), altCaption(m));
      case 'flex': return h('div', {}, renderFlex(m.contents), altCaption(m));
      default: throw new Error(`ไม่รู้จักชนิดข้อความ ${m.type}`);
    }
  }
  function imageOr(url, label, attrs) {
    if (!url) return h('div', { class: 'img-missing' }, `[${label}]`);
    const img = h('img', Object.assign({ src: url, alt: label, loading: 'lazy' }, attrs || {}));
    img.addEventListener('error', () => img.replaceWith(h('div', { class: 'img-missing', title: url }, `[${label}: โหลดรูปไม่ได้]`)));
    return img;
  }

  // templates (buttons / confirm / carousel / image_carousel)
  function actionButton(action, cls) {
    return h('button', { type: 'button', class: cls || 'act', 'data-action': action.type,
      onclick: () => doAction(action) }, action.label || action.text || action.type);
  }
  function templateCard(t) {
    const card = h('div', { class: 'card' + (t.defaultAction ? ' clickable' : '') });
    if (t.thumbnailImageUrl) {
      card.append(imageOr(t.thumbnailImageUrl, 'รูป', { class: 'card-img',
        style: { aspectRatio: t.imageAspectRatio === 'square' ? '1 / 1' : '1.51 / 1', backgroundColor: t.imageBackgroundColor || '' } }));
    }
    const body = h('div', { class: 'card-body' },
      t.title ? h('div', { class: 'card-title' }, t.title) : null,
      h('div', { class: 'card-text' }, t.text || ''));
    if (t.defaultAction) body.addEventListener('click', () => doAction(t.defaultAction));
    card.append(body);
    if (t.actions && t.actions.length) card.append(h('div', { class: 'card-actions' }, t.actions.map((a) => actionButton(a))));
    return card;
  }
  function renderTemplate(t) {
    switch (t.type) {
      case 'buttons': return templateCard(t);
      case 'confirm': return h('div', { class: 'card' },
        h('div', { class: 'card-body' }, h('div', { class: 'card-text' }, t.text)),
        h('div', { class: 'card-actions row' }, t.actions.map((a) => actionButton(a))));
      case 'carousel': return h('div', { class: 'carousel' }, t.columns.map((c) => templateCard(Object.assign({ imageAspectRatio: t.imageAspectRatio }, c))));
      case 'image_carousel': return h('div', { class: 'carousel' }, t.columns.map((c) => h('div', { class: 'card', style: { width: '160px' } },
        imageOr(c.imageUrl, 'รูป', { class: 'card-img', style: { aspectRatio: '1 / 1' } }),
        h('div', { class: 'card-actions' }, actionButton(c.action)))));
      default: throw new Error(`ไม่รู้จัก template ${t.type}`);
    }
  }

  // flex: bubble / carousel, rendered readably (not pixel-perfect)
  const TEXT_SIZE = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, '3xl': 35, '4xl': 48, '5xl': 74 };
  const SPACE = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const IMAGE_SIZE = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, '3xl': 180, '4xl': 200, '5xl': 220 };
  const px = (v, table) => {
    if (v === undefined || v === null) return null;
    if (table && v in table) return `${table[v]}px`;
    return /^-?\d+(\.\d+)?(px|%)$/.test(String(v)) ? String(v) : null;
  };
  function renderFlex(c) {
    if (!c) throw new Error('flex ไม่มี contents');
    if (c.type === 'carousel') return h('div', { class: 'carousel' }, (c.contents || []).map(renderBubble));
    if (c.type === 'bubble') return renderBubble(c);
    throw new Error(`ไม่รู้จัก flex container ${c.type}`);
  }
  function renderBubble(b) {
    const el = h('div', { class: `fx-bubble ${b.size || 'mega'}` });
    const styles = b.styles || {};
    for (const name of ['header', 'hero', 'body', 'footer']) {
      if (!b[name]) continue;
      const st = styles[name] || {};
      const sec = h('div', { class: `fx-section ${name}`, style: { backgroundColor: st.backgroundColor || '' } });
      if (st.separator) sec.style.borderTop = `1px solid ${st.separatorColor || '#e5e7eb'}`;
      const node = renderComponent(b[name], 'vertical', true);
      // LINE pads a block's own box (so its backgroundColor fills the block) unless it says otherwise.
      const box = b[name];
      if (box.type === 'box' && !['paddingAll', 'paddingTop', 'paddingBottom', 'paddingStart', 'paddingEnd'].some((k) => box[k] !== undefined)) {
        node.style.padding = name === 'footer' ? '4px 12px 12px' : '12px';
      } else if (name !== 'hero' && box.type !== 'box') {
        sec.style.padding = '12px';
      }
      sec.append(node);
      el.append(sec);
    }
    if (b.action) { el.classList.add('clickable'); el.addEventListener('click', () => doAction(b.action)); }
    return el;
  }
  function applyFlex(el, c, parentLayout, first) {
    const horizontal = parentLayout === 'horizontal' || parentLayout === 'baseline';
    const grow = c.flex !== undefined ? Number(c.flex) : (horizontal ? 1 : 0);
    el.style.flex = grow > 0 ? `${grow} 1 0%` : '0 0 auto';
    const margin = px(c.margin, SPACE);
    if (margin && !first) el.style[horizontal ? 'marginLeft' : 'marginTop'] = margin;
    if (c.position === 'absolute') {
      el.style.position = 'absolute';
      for (const side of ['Top', 'Bottom', 'Start', 'End']) {
        const v = px(c['offset' + side], SPACE);
        if (v) el.style[{ Start: 'left', End: 'right' }[side] || side.toLowerCase()] = v;
      }
    }
    if (c.action) {
      el.classList.add('clickable');
      el.addEventListener('click', (ev) => { ev.stopPropagation(); doAction(c.action); });
    }
  }
  function renderComponent(c, parentLayout, first) {
    let el;
    switch (c.type) {
      case 'box': {
        const layout = c.layout || 'vertical';
        el = h('div', { class: `fx-box ${layout}` });
        const gap = px(c.spacing, SPACE);
        (c.contents || []).forEach((child, i) => {
          const node = renderComponent(child, layout, i === 0);
          if (gap && i > 0 && child.margin === undefined) node.style[layout === 'vertical' ? 'marginTop' : 'marginLeft'] = gap;
          el.append(node);
        });
        const s = el.style;
        s.backgroundColor = c.backgroundColor || '';
        if (c.borderColor || c.borderWidth) s.border = `${px(c.borderWidth, { none: 0, light: 0.5, normal: 1, medium: 2, 'semi-bold': 3, bold: 4 }) || '1px'} solid ${c.borderColor || '#ddd'}`;
        if (c.cornerRadius) s.borderRadius = px(c.cornerRadius, SPACE) || '';
        for (const [k, css] of [['paddingAll', 'padding'], ['paddingTop', 'paddingTop'], ['paddingBottom', 'paddingBottom'], ['paddingStart', 'paddingLeft'], ['paddingEnd', 'paddingRight']]) {
          const v = px(c[k], SPACE);
          if (v) s[css] = v;
        }
        if (c.width) s.width = px(c.width) || '';
        if (c.height) s.height = px(c.height) || '';
        if (c.justifyContent) s.justifyContent = c.justifyContent;
        if (c.alignItems) s.alignItems = c.alignItems;
        if (c.contents && c.contents.some((x) => x.position === 'absolute')) s.position = 'relative';
        break;
      }
      case 'text': {
        el = h('div', { class: 'fx-text' + (c.wrap ? ' wrap' : '') });
        if (c.contents && c.contents.length) c.contents.forEach((span) => el.append(renderSpan(span)));
        else el.textContent = c.text || '';
        styleText(el, c);
        if (c.align) el.style.textAlign = { start: 'left', end: 'right', center: 'center' }[c.align] || '';
        if (c.gravity && parentLayout !== 'vertical') el.style.alignSelf = { top: 'flex-start', bottom: 'flex-end', center: 'center' }[c.gravity] || '';
        if (c.maxLines) Object.assign(el.style, { display: '-webkit-box', webkitLineClamp: String(c.maxLines), webkitBoxOrient: 'vertical', overflow: 'hidden' });
        break;
      }
      case 'span': return renderSpan(c);
      case 'separator':
        el = h('hr', { class: 'fx-separator' });
        if (c.color) el.style.borderColor = c.color;
        break;
      case 'spacer':
        el = h('div', { class: 'fx-spacer', style: { height: px(c.size, SPACE) || '8px' } });
        break;
      case 'filler':
        el = h('div', { class: 'fx-filler' });
        applyFlex(el, Object.assign({ flex: 1 }, c), parentLayout, first);
        return el;
      case 'image': {
        const size = c.size === 'full' ? '100%' : (px(c.size, IMAGE_SIZE) || '100px');
        el = imageOr(c.url, 'รูป', { class: 'fx-image', style: {
          width: size, aspectRatio: (c.aspectRatio || '1:1').replace(':', ' / '),
          objectFit: c.aspectMode === 'fit' ? 'contain' : 'cover', backgroundColor: c.backgroundColor || '',
          alignSelf: c.align === 'start' ? 'flex-start' : c.align === 'end' ? 'flex-end' : 'center' } });
        break;
      }
      case 'icon':
        el = imageOr(c.url, '•', { class: 'fx-icon', style: { width: px(c.size, TEXT_SIZE) || '1em', height: px(c.size, TEXT_SIZE) || '1em' } });
        break;
      case 'button': {
        const style = c.style || 'link';
        el = h('button', { type: 'button', class: `fx-button ${style}${c.height === 'sm' ? ' sm' : ''}`, 'data-action': c.action && c.action.type },
          (c.action && (c.action.label || c.action.text)) || '');
        if (c.color) el.style[style === 'link' ? 'color' : 'backgroundColor'] = c.color;
        if (c.gravity && parentLayout !== 'vertical') el.style.alignSelf = { top: 'flex-start', bottom: 'flex-end', center: 'center' }[c.gravity] || '';
        const action = c.action;
        applyFlex(el, Object.assign({}, c, { action: undefined }), parentLayout, first);
        el.addEventListener('click', (ev) => { ev.stopPropagation(); if (action) doAction(action); });
        return el;
      }
      case 'video':
        el = c.altContent ? renderComponent(c.altContent, parentLayout, first) : h('div', { class: 'img-missing' }, '[วิดีโอ]');
        return el;
      default:
        el = h('div', { class: 'img-missing' }, `[${c.type}]`);
    }
    applyFlex(el, c, parentLayout, first);
    return el;
  }
  function styleText(el, c) {
    if (c.weight === 'bold') el.style.fontWeight = '700';
    if (c.color) el.style.color = c.color;
    const size = px(c.size, TEXT_SIZE);
    if (size) el.style.fontSize = size;
    if (c.style === 'italic') el.style.fontStyle = 'italic';
    if (c.decoration && c.decoration !== 'none') el.style.textDecoration = c.decoration;
    if (c.lineSpacing) el.style.lineHeight = px(c.lineSpacing) || '';
  }
  function renderSpan(s) {
    const el = h('span', {}, s.text || '');
    styleText(el, s);
    return el;
  }

  // quick replies: LINE shows them only under the newest message
  function updateQuickReplies() {
    const items = state.current ? chatOf(state.current.userId).items : [];
    const last = items.length ? items[items.length - 1] : null;
    const qr = last && last.from === 'bot' && last.message && last.message.quickReply;
    if (!qr || !qr.items || !qr.items.length) {
      const wasShown = !els.quick.hidden;
      els.quick.hidden = true;
      els.quick.replaceChildren();
      if (wasShown) scrollDown();
      return;
    }
    els.quick.replaceChildren(...qr.items.map((it) => h('button', { type: 'button', class: 'qr', 'data-action': it.action && it.action.type,
      onclick: () => doAction(it.action) },
    it.imageUrl ? imageOr(it.imageUrl, '', { style: { width: '16px', height: '16px', verticalAlign: 'middle', marginRight: '4px' } }) : null,
    (it.action && it.action.label) || '?')));
    els.quick.hidden = false;
    scrollDown();   // the bar takes room from the chat: keep the newest message in view
  }

  // ---------------------------------------------------------------- sending events to /callback
  function baseEvent(type) {
    return {
      type,
      mode: 'active',
      timestamp: Date.now(),
      source: { type: 'user', userId: state.current.userId },
      webhookEventId: ulid(),
      deliveryContext: { isRedelivery: false },
      replyToken: randomHex(16),
    };
  }
  async function deliver(event) {
    if (!state.current) return false;
    const body = enc.encode(JSON.stringify({ destination: state.session.destination, events: [event] }));
    state.watchFrom = state.requestsSince;
    hideBanner();
    try {
      if (event.replyToken) {
        const r = await fetch('/demo/api/reply-token', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ replyToken: event.replyToken, userId: event.source.userId }) });
        if (!r.ok) throw new Error(`reply-token ${r.status}`);
      }
      const signature = await sign(body);
      const res = await fetch(state.session.callbackPath, { method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Line-Signature': signature }, body });
      els.chat.dataset.lastCallback = String(res.status);
      if (res.status !== 200) note(`บอทตอบ webhook ด้วยสถานะ ${res.status} (LINE คาดหวัง 200)`, true);
    } catch (err) {
      els.chat.dataset.lastCallback = 'error';
      note(`ส่งไปยังบอทไม่ได้: ${err.message}`, true);
      return false;
    }
    setTimeout(poll, 150);
    return true;
  }
  function messageEvent(message) {
    const ev = baseEvent('message');
    ev.message = Object.assign({ id: messageId() }, message);
    return ev;
  }
  async function sendText(text) {
    if (!text || !state.current) return;
    addItem({ from: 'me', kind: 'text', text });
    await deliver(messageEvent({ type: 'text', text, quoteToken: randomToken(24) }));
  }
  async function sendPostback(data, params) {
    const ev = baseEvent('postback');
    ev.postback = { data: data || '' };
    if (params) ev.postback.params = params;
    await deliver(ev);
  }
  async function sendSticker() {
    addItem({ from: 'me', kind: 'sticker' });
    await deliver(messageEvent({ type: 'sticker', packageId: '446', stickerId: '1988',
      stickerResourceType: 'STATIC', keywords: ['Happy'], quoteToken: randomToken(24) }));
  }
  async function sendLocation() {
    const place = { title: 'ที่ว่าการอำเภอเมืองเลย', address: 'ถนนเจริญรัฐ ตำบลกุดป่อง อำเภอเมืองเลย จังหวัดเลย 42000',
      latitude: 17.4860, longitude: 101.7223 };
    addItem(Object.assign({ from: 'me', kind: 'location' }, place));
    await deliver(messageEvent(Object.assign({ type: 'location' }, place)));
  }
  async function sendImage(file) {
    if (!file || !state.current) return;
    const id = messageId();
    try {
      const r = await fetch(`/demo/api/content/${id}`, { method: 'PUT', headers: { 'Content-Type': file.type || 'image/jpeg' }, body: file });
      if (!r.ok) throw new Error(String(r.status));
    } catch (err) { note(`อัปโหลดรูปไม่ได้: ${err.message}`, true); return; }
    addItem({ from: 'me', kind: 'image', name: file.name });
    const ev = baseEvent('message');
    ev.message = { id, type: 'image', contentProvider: { type: 'line' }, quoteToken: randomToken(24) };
    await deliver(ev);
  }
  async function sendFollow() {
    addItem({ from: 'me', kind: 'follow' });
    const ev = baseEvent('follow');
    ev.follow = { isUnblocked: false };
    await deliver(ev);
  }

  // what tapping a button does, per action type
  function doAction(action) {
    if (!action || !state.current) return;
    switch (action.type) {
      case 'message': sendText(action.text); break;
      case 'postback': {
        const shown = action.displayText || action.text;
        if (shown) addItem({ from: 'me', kind: 'text', text: shown });
        if (action.inputOption === 'openKeyboard') { els.input.value = action.fillInText || ''; els.input.focus(); }
        sendPostback(action.data);
        break;
      }
      case 'datetimepicker': openPicker(action); break;
      case 'uri':
        if ((action.uri || '').startsWith(LIFF_URL)) openLiff(action.uri);
        else if (/^https?:/i.test(action.uri || '')) window.open(action.uri, '_blank', 'noopener');
        else note(`ลิงก์: ${action.uri}`);
        break;
      case 'location': sendLocation(); break;
      case 'camera': case 'cameraRoll': $('send-image').click(); break;
      case 'clipboard':
        if (navigator.clipboard) navigator.clipboard.writeText(action.clipboardText || '').catch(() => {});
        note(`คัดลอกแล้ว: ${action.clipboardText || ''}`);
        break;
      case 'richmenuswitch':
        sendPostback(action.data, { newRichMenuAliasId: action.richMenuAliasId, status: 'SUCCESS' });
        break;
      default: note(`ปุ่มชนิด ${action.type} ยังไม่รองรับในเดโม`, true);
    }
  }

  // A LIFF link opens this server's LIFF page as LINE would: the stand-in LIFF SDK
  // (/_line/_fake/liff/sdk.js) takes the person in LINE from 'fakeLiff.userId'.
  // https://liff.line.me/{liffId}/x?y=1 -> /dashboard/liff/x?y=1
  function openLiff(uri) {
    const rest = uri.slice(LIFF_URL.length);
    const cut = rest.search(/[/?#]/);
    try { localStorage.setItem('fakeLiff.userId', state.current.userId); } catch (e) { /* private mode */ }
    window.open('/dashboard/liff' + (cut < 0 ? '' : rest.slice(cut)), '_blank', 'noopener');
  }

  // date / time picker (datetimepicker action)
  function openPicker(action) {
    const mode = action.mode || 'date';
    const type = { date: 'date', time: 'time', datetime: 'datetime-local' }[mode] || 'date';
    state.pickerAction = action;
    const input = els.pickerInput;
    input.type = type;
    input.min = action.min || '';
    input.max = action.max || '';
    input.value = action.initial || '';
    els.pickerLabel.textContent = (action.label || { date: 'เลือกวันที่', time: 'เลือกเวลา', datetime: 'เลือกวันและเวลา' }[mode])
      + (action.min || action.max ? ` (${action.min ? thaiDate(action.min) : '…'} – ${action.max ? thaiDate(action.max) : '…'})` : '');
    els.picker.hidden = false;
    scrollDown();
    input.focus();
  }
  function closePicker() { els.picker.hidden = true; state.pickerAction = null; }
  async function confirmPicker() {
    const action = state.pickerAction;
    const value = els.pickerInput.value;
    if (!action) return;
    if (!value) { els.pickerInput.focus(); return; }
    if ((action.min && value < action.min) || (action.max && value > action.max)) {
      note('ค่าที่เลือกอยู่นอกช่วงที่อนุญาต', true);
      return;
    }
    const mode = action.mode || 'date';
    closePicker();
    note(mode === 'date' ? `📅 เลือกวันที่ ${thaiDate(value)}` : `🕒 เลือก ${mode === 'datetime' ? thaiDate(value) + ' ' + value.slice(11) : value}`);
    await sendPostback(action.data, { [mode]: value });
  }

  // ---------------------------------------------------------------- reading the stand-in
  // The people list is refreshed every few seconds and replaces the person objects, so the
  // person being polled is matched by LINE user id, not by object.
  function isCurrent(person) { return Boolean(state.current) && state.current.userId === person.userId; }
  async function poll() {
    if (!state.current || state.polling) return;
    state.polling = true;
    const person = state.current;
    try {
      const chat = chatOf(person.userId);
      const data = await getJSON(`${state.session.linePrefix}/_fake/messages?user=${encodeURIComponent(person.userId)}&since=${chat.since}`);
      let fresh = 0;
      for (const m of data.messages || []) {
        if (m.seq <= chat.since) continue;
        chat.since = m.seq;
        fresh += 1;
        const item = { from: 'bot', seq: m.seq, via: m.via, at: m.at, message: m.message };
        chat.items.push(item);
        if (isCurrent(person)) appendItem(item);
      }
      if (fresh) {
        saveChat(person.userId);
        if (isCurrent(person)) updateQuickReplies();
        state.typingUntil = 0;
        refreshPeople();
      }
      await checkRequests();
    } catch (err) {
      /* server restarting: try again on the next tick */
    } finally {
      state.polling = false;
      els.typing.hidden = !(state.typingUntil > Date.now());
    }
  }
  async function checkRequests() {
    const data = await getJSON(`/demo/api/requests?since=${state.requestsSince}`);
    const fresh = (data.requests || []).filter((r) => r.seq > state.requestsSince);
    for (const r of fresh) {
      state.requestsSince = Math.max(state.requestsSince, r.seq);
      const body = r.json || {};
      if (r.endpoint === 'showLoadingAnimation' && state.current && body.chatId === state.current.userId) {
        state.typingUntil = Date.now() + 1000 * (body.loadingSeconds || 5);
      }
      if (state.watchFrom === null || r.seq <= state.watchFrom) continue;
      const errors = r.errors || [];
      // LINE Login refusing a token (expired, another channel) is an answer, not a bad request.
      const refusal = r.endpoint === 'verifyIdToken' && r.status === 400;
      if (errors.length || (r.status >= 400 && r.status !== 409 && !refusal)) {
        state.bannerLines.push(`${r.method} ${r.path} → ${r.status}` + (errors.length ? '\n' + errors.map((e) => ' • ' + e).join('\n') : ''));
      }
    }
    if (state.bannerLines.length) showBanner();
  }
  function showBanner() {
    els.bannerText.textContent = 'LINE จะปฏิเสธคำขอที่บอทส่ง (ไม่ตรงสเปก OpenAPI / กติกาของ LINE)\n' + state.bannerLines.join('\n');
    els.banner.hidden = false;
  }
  function hideBanner() { state.bannerLines = []; els.banner.hidden = true; }

  async function pollOthers() {
    if (!state.session) return;
    for (const p of state.people) {
      if (state.current && p.userId === state.current.userId) continue;
      try {
        const since = chatOf(p.userId).since;
        const data = await getJSON(`${state.session.linePrefix}/_fake/messages?user=${encodeURIComponent(p.userId)}&since=${since}`);
        const n = (data.messages || []).length;
        if (n !== (state.unread[p.userId] || 0)) { state.unread[p.userId] = n; renderPeople(); }
      } catch (err) { return; }
    }
  }

  // rich menu: the one linked to the user, or the default (as LINE shows it)
  async function refreshRichMenu() {
    if (!state.current) { els.richMenu.hidden = true; return; }
    const person = state.current;
    let data;
    try { data = await getJSON(`/demo/api/richmenu?user=${encodeURIComponent(person.userId)}`); } catch (err) { return; }
    if (!isCurrent(person)) return;   // someone else was picked meanwhile: theirs is drawn
    const menu = data.menu;
    const key = menu ? `${menu.richMenuId}:${data.image || ''}:${state.richMenuOpen}` : 'none';
    if (key === state.richMenuKey) return;
    state.richMenuKey = key;
    if (!menu) { els.richMenu.hidden = true; els.richMenu.replaceChildren(); return; }
    const bar = h('button', { type: 'button', class: 'rm-bar', onclick: () => { state.richMenuOpen = !state.richMenuOpen; state.richMenuKey = null; refreshRichMenu(); } },
      `${menu.chatBarText || 'เมนู'} ${state.richMenuOpen ? '▾' : '▴'}`);
    const nodes = [bar];
    if (state.richMenuOpen) {
      const size = menu.size || { width: 2500, height: 1686 };
      const wrap = h('div', { class: 'rm-area-wrap', style: { aspectRatio: `${size.width} / ${size.height}` } });
      if (data.image) wrap.append(h('img', { src: data.image, alt: menu.name || 'rich menu' }));
      for (const area of menu.areas || []) {
        const b = area.bounds || {};
        const label = area.action && (area.action.label || area.action.displayText || area.action.text || area.action.data || area.action.type);
        wrap.append(h('button', { type: 'button', class: 'rm-area' + (data.image ? '' : ' labelled'), title: label || '',
          style: { left: `${100 * b.x / size.width}%`, top: `${100 * b.y / size.height}%`,
            width: `${100 * b.width / size.width}%`, height: `${100 * b.height / size.height}%` },
          onclick: () => doAction(area.action) }, data.image ? '' : (label || '')));
      }
      nodes.push(wrap);
    }
    els.richMenu.replaceChildren(...nodes);
    els.richMenu.hidden = false;
  }

  // ---------------------------------------------------------------- start
  async function start() {
    try {
      state.session = await getJSON('/demo/api/session');
    } catch (err) {
      els.empty.textContent = `เปิดเดโมไม่ได้: ${err.message}`;
      return;
    }
    forgetOldRuns(state.session.runId);
    state.people = mergePeople(state.session.people);
    renderPeople();
    // Requests from before this page was opened are not this page's business.
    state.requestsSince = state.session.requestsSeq || 0;
    const last = load('current', null);
    if (last && state.people.some((p) => p.key === last)) selectPerson(last);
    setInterval(poll, POLL_MS);
    setInterval(pollOthers, OTHERS_MS);
    setInterval(() => { refreshPeople(); refreshRichMenu(); }, OTHERS_MS);
  }

  els.composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = els.input.value;
    if (!text.trim()) return;
    els.input.value = '';
    sendText(text);
  });
  $('more-btn').addEventListener('click', () => { els.tools.hidden = !els.tools.hidden; });
  $('send-sticker').addEventListener('click', () => sendSticker());
  $('send-location').addEventListener('click', () => sendLocation());
  $('send-follow').addEventListener('click', () => sendFollow());
  $('send-image').addEventListener('change', (ev) => { const f = ev.target.files[0]; ev.target.value = ''; sendImage(f); });
  $('picker-ok').addEventListener('click', () => confirmPicker());
  $('picker-cancel').addEventListener('click', () => closePicker());
  $('banner-close').addEventListener('click', () => hideBanner());
  $('toggle-people').addEventListener('click', () => els.panel.classList.toggle('collapsed'));
  $('clear-chat').addEventListener('click', () => {
    if (!state.current) return;
    chatOf(state.current.userId).items = [];
    saveChat(state.current.userId);
    renderChat();
  });

  // For tests and the curious (browser console): not used by the page itself.
  window.mentorbotDemo = {
    state, doAction, sendText,
    render: (message) => safeRender(message),
    show: (message) => addItem({ from: 'bot', seq: 0, via: 'local', message }),
    hmacFallback: (secret, text) => b64(hmacSha256(enc.encode(secret), enc.encode(text))),
  };
  start();
})();
