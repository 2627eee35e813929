/*
 * A stand-in for LINE's LIFF SDK, served by bot.line_fake (FakeLineApi) at /_fake/liff/sdk.js
 * for tests and the demo. Not LINE's code: it defines the part of `window.liff` a LIFF page of
 * this project uses (https://developers.line.biz/en/reference/liff/).
 *
 * Who is "in LINE" is whoever the demo page says: localStorage 'fakeLiff.userId'. At init the
 * page gets that user's ID token for the LIFF app's LINE Login channel (a LIFF id is
 * `{channelId}-{random}`) from the fake, which the server can check with the fake's
 * POST /oauth2/v2.1/verify like LINE's.
 */
(function () {
  'use strict';

  var USER_KEY = 'fakeLiff.userId';
  var SELF = '/_fake/liff/';
  // document.currentScript exists only while this file first runs: where the fake is mounted.
  var script = document.currentScript;
  var base = (function () {
    if (!script || !script.src) return '';
    var url = new URL(script.src, location.href);
    var at = url.pathname.lastIndexOf(SELF);
    return url.origin + (at >= 0 ? url.pathname.slice(0, at) : '');
  })();

  var state = { liffId: null, idToken: null, decoded: null, userId: null, initialised: false };
  var resolveReady;
  var ready = new Promise(function (resolve) { resolveReady = resolve; });

  function liffError(code, message) {
    var err = new Error(message);
    err.code = code;
    return err;
  }

  function storedUser() {
    try { return localStorage.getItem(USER_KEY); } catch (e) { return null; }
  }

  function decodePayload(token) {
    var part = (token.split('.')[1] || '').replace(/-/g, '+').replace(/_/g, '/');
    while (part.length % 4) part += '=';
    var binary = atob(part);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return JSON.parse(new TextDecoder('utf-8').decode(bytes));
  }

  async function fetchToken(userId, channelId) {
    var response = await fetch(base + SELF + 'id-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: userId, channelId: channelId }),
    });
    if (!response.ok) throw liffError('INIT_FAILED', 'fake LIFF: no ID token (HTTP ' + response.status + ')');
    var data = await response.json();
    return data.idToken;
  }

  async function init(config) {
    if (!config || !config.liffId) throw liffError('INVALID_CONFIG', 'liffId is necessary for liff.init()');
    var liffId = String(config.liffId);
    var channelId = liffId.split('-')[0];
    var userId = storedUser();
    state.liffId = liffId;
    state.userId = userId;
    state.idToken = null;
    state.decoded = null;
    if (userId) {
      state.idToken = await fetchToken(userId, channelId);
      state.decoded = decodePayload(state.idToken);
    }
    state.initialised = true;
    resolveReady();
  }

  function context() {
    if (!state.initialised) return null;
    return {
      type: 'utou',
      viewType: 'full',
      liffId: state.liffId,
      userId: state.userId || undefined,
      endpointUrl: location.origin + location.pathname,
      availability: {},
      scope: ['openid', 'profile'],
    };
  }

  window.liff = {
    id: null,
    ready: ready,
    init: function (config) {
      return init(config).then(function () { window.liff.id = state.liffId; });
    },
    isInClient: function () { return true; },
    isLoggedIn: function () { return Boolean(state.initialised ? state.userId : storedUser()); },
    login: function () {
      console.info('fake LIFF: login() does nothing; choose who is in LINE on the demo page (' + USER_KEY + ')');
    },
    logout: function () { state.idToken = null; state.decoded = null; state.userId = null; },
    getIDToken: function () { return state.idToken; },
    getDecodedIDToken: function () { return state.decoded; },
    getContext: context,
    getOS: function () { return 'android'; },
    getLanguage: function () { return 'th'; },
    getAppLanguage: function () { return 'th'; },
    getVersion: function () { return 'fake-2'; },
    getProfile: function () {
      if (!state.decoded) return Promise.reject(liffError('UNAUTHORIZED', 'fake LIFF: nobody is logged in'));
      return Promise.resolve({
        userId: state.decoded.sub,
        displayName: state.decoded.name,
        pictureUrl: state.decoded.picture,
      });
    },
    closeWindow: function () { window.close(); },
  };
})();
