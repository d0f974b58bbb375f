// OUR STAND-IN FOR LUCI, NOT LUCI.
//
// The real LuCI runtime (luci.js, form.js, ui.js, rpc.js, uci.js,
// validation.js, tools/widgets.js) is not available offline here, so this
// file implements, in our own code, just the subset of its API that the two
// views of luci-app-cwmp use, with the same names and calling conventions
// (shared/openwrt-reference.md §7.4, §8.3, §10.2):
//   view.extend (load -> render, handleSave), form.Map / NamedSection /
//   Value / Flag / ListValue (tab, taboption, option, depends, value,
//   default, rmempty, password, placeholder, datatype, validate, cfgvalue,
//   formvalue, write, remove), widgets.NetworkSelect (interfaces from
//   `uci get network`), rpc.declare (params, expect), uci.load/get/set/unset/
//   save, poll.add, ui.addNotification / createHandlerFn, E(), _(),
//   String.prototype.format.
// ubus is a JSON-RPC-like mock: every call is serialized as LuCI sends it
// ({"jsonrpc":"2.0","method":"call","params":[sid,object,method,args]}),
// answered from the scenario's data and recorded.
//
// What it does NOT reproduce: LuCI's markup and CSS, its exact validation
// messages, tabs (all tabs are shown one under the other), modal dialogs,
// "Save & Apply" (uci apply/confirm/rollback), ACL enforcement, translations.
//
// Driven by window.HARNESS = { view, source, uci: {config: values}, status:
// [replies] (none: `cwmp status` fails with NOT_FOUND, as with cwmpd
// stopped), inform_status (a ubus error for `cwmp inform`), steps: [...] }. Results go to <pre id="harness-result"> as JSON
// for the test to read from `chromium --dump-dom`.
'use strict';

(function() {
	const H = window.HARNESS;
	const result = { calls: [], changes: [], steps: [], errors: [], polls: 0 };
	const SID = '0123456789abcdef0123456789abcdef';
	let rpcId = 0;

	window.addEventListener('error', e => result.errors.push(String(e.message)));
	window.addEventListener('unhandledrejection', e => result.errors.push(String(e.reason && e.reason.stack || e.reason)));

	String.prototype.format = function() {
		const args = arguments;
		let i = 0;
		return this.replace(/%([%sd])/g, (m, k) => {
			if (k === '%')
				return '%';
			const a = args[i++];
			return k === 'd' ? String(Math.trunc(+a)) : String(a);
		});
	};

	function _(s) { return s; }

	function E(tag, attrs, children) {
		const el = document.createElement(tag);
		if (Array.isArray(attrs) || typeof attrs === 'string' || attrs instanceof Node) {
			children = attrs;
			attrs = null;
		}
		for (const k in (attrs || {})) {
			const v = attrs[k];
			if (typeof v === 'function')
				el.addEventListener(k, v);
			else if (v != null && v !== false)
				el.setAttribute(k, v === true ? '' : v);
		}
		for (const c of [].concat(children == null ? [] : children)) {
			if (c == null)
				continue;
			el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
		}
		return el;
	}

	// --- ubus mock ------------------------------------------------------
	let statusIndex = 0;
	const uciStore = JSON.parse(JSON.stringify(H.uci || {}));

	function answer(object, method, args) {
		if (object === 'uci' && method === 'get') {
			const values = uciStore[args.config];
			return values ? [0, { values: values }] : [5];
		}
		if (object === 'uci' && (method === 'set' || method === 'delete')) {
			result.changes.push({ method: method, config: args.config, section: args.section,
				values: args.values, options: args.options });
			return [0, {}];
		}
		if (object === 'cwmp' && method === 'status') {
			const list = H.status || [];
			const st = list[Math.min(statusIndex++, list.length - 1)];
			return st ? [0, st] : [4];  // UBUS_STATUS_NOT_FOUND: no data, only the code
		}
		if (object === 'cwmp' && method === 'inform' && H.inform_status)
			return [H.inform_status];
		if (object === 'cwmp' && method === 'inform')
			return typeof args.event === 'string' && args.event.trim() !== '' || args.event === undefined
				? [0, { queued: true }] : [2];
		return [3];  // UBUS_STATUS_METHOD_NOT_FOUND
	}

	function ubus(object, method, args) {
		const request = JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method: 'call',
			params: [ SID, object, method, args || {} ] });
		const req = JSON.parse(request);
		result.calls.push({ object: req.params[1], method: req.params[2], args: req.params[3] });
		const reply = JSON.stringify({ jsonrpc: '2.0', id: req.id,
			result: answer(req.params[1], req.params[2], req.params[3]) });
		return new Promise(resolve => setTimeout(() => resolve(JSON.parse(reply).result), 10));
	}

	// rpc.declare as LuCI's rpc.js behaves (facts from luci-base rpc.js):
	// the reply is `[status, data]`; the call resolves with `data` when there
	// is one, else with the numeric status; `reject: true` turns a non-zero
	// status into a rejection; `expect: { key: default }` then selects `key`
	// ('' = the whole reply) and falls back to `default` whenever the value is
	// missing or of another type than the default (so a failing call with
	// `expect: { '': {} }` resolves with `{}`, not with its status).
	const typeOf = v => Object.prototype.toString.call(v);
	const rpc = {
		declare(d) {
			return function() {
				const args = {};
				(d.params || []).forEach((p, i) => { if (arguments[i] !== undefined) args[p] = arguments[i]; });
				return ubus(d.object, d.method, args).then(reply => {
					if (d.reject && reply[0] !== 0)
						throw new Error('RPC call to %s/%s failed with ubus code %d'.format(d.object, d.method, reply[0]));
					let ret = reply.length > 1 ? reply[1] : reply[0];
					for (const key in (d.expect || {})) {
						if (ret != null && key !== '')
							ret = ret[key];
						if (ret == null || typeOf(ret) !== typeOf(d.expect[key]))
							ret = d.expect[key];
						break;
					}
					return ret;
				});
			};
		}
	};

	// --- uci ------------------------------------------------------------
	const uci = {
		state: {}, pending: {},
		load(config) {
			return Promise.all([].concat(config).map(c => ubus('uci', 'get', { config: c }).then(([st, d]) => {
				if (st === 0)
					this.state[c] = d.values;
			})));
		},
		get(config, sid, opt) {
			const p = this.pending[config] && this.pending[config][sid];
			if (p && opt in p)
				return p[opt] === null ? undefined : p[opt];
			const s = this.state[config] && this.state[config][sid];
			return s ? (opt == null ? s : s[opt]) : undefined;
		},
		sections(config, type) {
			const all = this.state[config] || {};
			return Object.keys(all).map(k => all[k]).filter(s => type == null || s['.type'] === type);
		},
		set(config, sid, opt, value) {
			((this.pending[config] = this.pending[config] || {})[sid] =
				this.pending[config][sid] || {})[opt] = value;
		},
		unset(config, sid, opt) {
			const s = this.state[config] && this.state[config][sid];
			if (s && opt in s)
				this.set(config, sid, opt, null);
		},
		save() {
			const calls = [];
			for (const config in this.pending)
				for (const sid in this.pending[config]) {
					const o = this.pending[config][sid], set = {}, del = [];
					for (const k in o)
						o[k] === null ? del.push(k) : (set[k] = o[k]);
					if (Object.keys(set).length)
						calls.push(ubus('uci', 'set', { config: config, section: sid, values: set }));
					if (del.length)
						calls.push(ubus('uci', 'delete', { config: config, section: sid, options: del }));
				}
			this.pending = {};
			return Promise.all(calls);
		}
	};

	// --- validation: the datatypes the views use ------------------------
	function datatype(expr, v) {
		const m = /^(\w+)(?:\((.*)\))?$/.exec(expr);
		if (!m)
			throw new Error('unsupported datatype ' + expr);
		const args = m[2] ? splitArgs(m[2]) : [];
		switch (m[1]) {
		case 'and': return args.every(a => datatype(a, v));
		case 'or': return args.some(a => datatype(a, v));
		case 'integer': return /^-?[0-9]+$/.test(v);
		case 'uinteger': return /^[0-9]+$/.test(v);
		case 'range': return !isNaN(+v) && +v >= +args[0] && +v <= +args[1];
		case 'port': return /^[0-9]+$/.test(v) && +v <= 65535;
		default: throw new Error('unsupported datatype ' + expr);
		}
	}

	function splitArgs(s) {
		const out = [];
		let depth = 0, cur = '';
		for (const c of s) {
			if (c === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
			if (c === '(') depth++;
			if (c === ')') depth--;
			cur += c;
		}
		out.push(cur);
		return out;
	}

	// --- form -----------------------------------------------------------
	class AbstractValue {
		constructor(section, option, title, description) {
			this.section = section;
			this.option = option;
			this.title = title;
			this.description = description;
			this.rmempty = true;
			this.deps = [];
			this.choices = [];
		}
		depends(opt, value) { this.deps.push([opt, value]); }
		value(key, label) { this.choices.push([key, label == null ? key : label]); }
		cbid(sid) { return 'cbid.' + this.section.map.config + '.' + sid + '.' + this.option; }
		cfgvalue(sid) {
			const v = uci.get(this.section.map.config, sid, this.option);
			return v;
		}
		formvalue(sid) {
			const el = document.getElementById(this.cbid(sid));
			return el ? this.readWidget(el) : undefined;
		}
		readWidget(el) { return el.value; }
		write(sid, value) { uci.set(this.section.map.config, sid, this.option, value); }
		remove(sid) { uci.unset(this.section.map.config, sid, this.option); }
		isActive(sid) {
			return this.deps.every(([opt, val]) => this.section.formvalue(sid, opt) === val);
		}
		check(sid) {
			const v = this.formvalue(sid);
			if (v === '' || v == null)
				return this.validate ? this.validate.call(this, sid, v == null ? '' : v) : true;
			if (this.datatype && !datatype(this.datatype, v))
				return _('Invalid value (expecting %s)').format(this.datatype);
			return this.validate ? this.validate.call(this, sid, v) : true;
		}
		initial(sid) {
			const v = this.cfgvalue(sid);
			return v == null ? (this.default == null ? '' : this.default) : v;
		}
		renderWidget(sid) {
			return E('input', { type: this.password ? 'password' : 'text', id: this.cbid(sid),
				value: this.initial(sid), placeholder: this.placeholder });
		}
		render(sid) {
			const widget = this.renderWidget(sid);
			const error = E('div', { 'class': 'cbi-value-error', id: this.cbid(sid) + '.error' });
			const recheck = () => this.section.map.refresh(sid);
			widget.addEventListener('input', recheck);
			widget.addEventListener('change', recheck);
			widget.addEventListener('blur', recheck);
			return E('div', { 'class': 'cbi-value', id: 'cbi-' + this.cbid(sid) }, [
				E('label', { 'class': 'cbi-value-title', 'for': this.cbid(sid) }, this.title),
				E('div', { 'class': 'cbi-value-field' }, [ widget, error,
					this.description ? E('div', { 'class': 'cbi-value-description' }, this.description) : null ])
			]);
		}
	}
	class Value extends AbstractValue {}
	class Flag extends AbstractValue {
		renderWidget(sid) {
			const el = E('input', { type: 'checkbox', id: this.cbid(sid) });
			el.checked = this.initial(sid) === '1';
			return el;
		}
		readWidget(el) { return el.checked ? '1' : '0'; }
	}
	class ListValue extends AbstractValue {
		renderWidget(sid) {
			const cur = this.initial(sid);
			const choices = this.choices.slice();
			if (cur !== '' && !choices.some(c => c[0] === cur))
				choices.push([cur, cur]);
			return E('select', { id: this.cbid(sid) }, choices.map(([k, l]) =>
				E('option', { value: k, selected: k === cur }, l)));
		}
	}
	// tools/widgets.js NetworkSelect: the logical interfaces of UCI `network`.
	class NetworkSelect extends ListValue {
		renderWidget(sid) {
			this.choices = [[ '', _('unspecified') ]].concat(
				uci.sections('network', 'interface').map(s => [ s['.name'], s['.name'] ]));
			return super.renderWidget(sid);
		}
	}

	class NamedSection {
		constructor(map, name, type, title, description) {
			this.map = map;
			this.section = name;
			this.sectiontype = type;
			this.title = title;
			this.description = description;
			this.children = [];
			this.tabs = [];
		}
		tab(name, title) { this.tabs.push([name, title]); }
		option(cls, name, title, description) {
			const o = new cls(this, name, title, description);
			this.children.push(o);
			return o;
		}
		taboption(tab, cls, name, title, description) {
			if (!this.tabs.some(t => t[0] === tab))
				throw new Error('taboption on undeclared tab ' + tab);
			const o = this.option(cls, name, title, description);
			o.tab = tab;
			return o;
		}
		formvalue(sid, opt) {
			const o = this.children.find(c => c.option === opt);
			return o ? o.formvalue(sid) : undefined;
		}
		render() {
			const sid = this.section;
			const groups = this.tabs.length ? this.tabs.map(([name, title]) =>
				E('fieldset', { 'class': 'cbi-tab', 'data-tab': name }, [ E('legend', title) ].concat(
					this.children.filter(c => c.tab === name).map(c => c.render(sid)))))
				: this.children.map(c => c.render(sid));
			return E('div', { 'class': 'cbi-section', id: 'cbi-' + this.map.config + '-' + sid }, [
				this.title ? E('h3', this.title) : null,
				this.description ? E('div', { 'class': 'cbi-section-descr' }, this.description) : null
			].concat(groups));
		}
	}

	class Map {
		constructor(config, title, description) {
			this.config = config;
			this.title = title;
			this.description = description;
			this.sections = [];
		}
		section(cls, name, type, title, description) {
			const s = new cls(this, name, type, title, description);
			this.sections.push(s);
			return s;
		}
		options() {
			return [].concat(...this.sections.map(s => s.children.map(o => [s, o])));
		}
		// Show/hide by depends, show validation messages; the errors.
		refresh() {
			const errors = [];
			for (const [s, o] of this.options()) {
				const sid = s.section;
				const row = document.getElementById('cbi-' + o.cbid(sid));
				const active = o.isActive(sid);
				row.style.display = active ? '' : 'none';
				const msg = active ? o.check(sid) : true;
				const el = document.getElementById(o.cbid(sid));
				const err = document.getElementById(o.cbid(sid) + '.error');
				err.textContent = msg === true ? '' : msg;
				el.classList.toggle('cbi-input-invalid', msg !== true);
				if (msg !== true)
					errors.push(o.cbid(sid) + ': ' + msg);
			}
			return errors;
		}
		render() {
			return uci.load(['network']).then(() => {
				this.node = E('div', { 'class': 'cbi-map', id: 'cbi-' + this.config }, [
					E('h2', this.title),
					E('div', { 'class': 'cbi-map-descr' }, this.description)
				].concat(this.sections.map(s => s.render())));
				maps.push(this);
				setTimeout(() => this.refresh(), 0);
				return this.node;
			});
		}
		// form.js Map.save: refuse while a field is invalid, otherwise write
		// the changed values, remove emptied or hidden ones, then uci.save().
		save() {
			const errors = this.refresh();
			if (errors.length)
				return Promise.reject(new Error(errors.join('\n')));
			for (const [s, o] of this.options()) {
				const sid = s.section;
				if (!o.isActive(sid)) {
					if (!o.retain)
						o.remove(sid);
					continue;
				}
				const fval = o.formvalue(sid);
				const cval = o.cfgvalue(sid);
				if ((fval === '' || fval == null) && o.rmempty !== false)
					o.remove(sid);
				else if (fval !== cval)
					o.write(sid, fval);
			}
			return uci.save();
		}
	}

	const maps = [];
	const form = { Map, NamedSection, Value, Flag, ListValue };
	const widgets = { NetworkSelect };

	const poll = {
		add(fn, interval) {
			setInterval(() => { result.polls++; fn(); }, (interval || 5) * 1000);
		}
	};

	const ui = {
		addNotification(title, children, cls) {
			document.getElementById('notifications').appendChild(
				E('div', { 'class': 'alert-message ' + (cls || '') }, [ title ].concat(children)));
		},
		createHandlerFn(ctx, fn) {
			const f = typeof fn === 'string' ? ctx[fn] : fn;
			return ev => f.call(ctx, ev);
		}
	};

	const view = {
		extend(proto) {
			return Object.assign({
				load() { return Promise.resolve(); },
				handleSave() { return Promise.all(maps.map(m => m.save())); }
			}, proto);
		}
	};

	// 'require X' / 'require X as Y' lines must name modules we provide.
	const provided = { view: 'view', form: 'form', rpc: 'rpc', uci: 'uci', ui: 'ui', poll: 'poll',
		'tools.widgets': 'widgets' };
	for (const m of H.source.matchAll(/^'require ([\w.]+)(?: as (\w+))?';$/mg))
		if (!(m[1] in provided) || (m[2] && m[2] !== provided[m[1]]))
			result.errors.push('stand-in does not provide require ' + m[0]);

	const factory = new Function('view', 'form', 'rpc', 'uci', 'ui', 'poll', 'widgets', 'E', '_', H.source);
	const instance = factory(view, form, rpc, uci, ui, poll, widgets, E, _);

	function field(name) {
		const [sid, opt] = name.split('.');
		const el = document.getElementById('cbid.cwmp.' + sid + '.' + opt);
		if (!el)
			throw new Error('no field ' + name);
		return el;
	}

	function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

	async function step(s) {
		if (s.set !== undefined) {
			const el = field(s.set);
			if (el.type === 'checkbox')
				el.checked = s.value === '1';
			else
				el.value = s.value;
			el.dispatchEvent(new Event(el.tagName === 'SELECT' || el.type === 'checkbox' ? 'change' : 'input'));
			await sleep(0);
			const err = document.getElementById(el.id + '.error');
			return { set: s.set, value: s.value, error: err.textContent || null };
		}
		if (s.save) {
			result.changes = [];
			try {
				await instance.handleSave();
				await sleep(50);
				return { save: 'ok', changes: result.changes };
			} catch (e) {
				return { save: 'refused', message: String(e.message) };
			}
		}
		if (s.click) {
			document.querySelector(s.click).click();
			await sleep(100);
			return { click: s.click };
		}
		if (s.wait) {
			await sleep(s.wait);
			return { wait: s.wait };
		}
		if (s.read_value) {
			const el = field(s.read_value);
			return { read_value: s.read_value, value: el.type === 'checkbox' ? (el.checked ? '1' : '0') : el.value };
		}
		if (s.visible) {
			const row = document.getElementById('cbi-' + field(s.visible).id);
			return { visible: row.style.display !== 'none' };
		}
		if (s.errors) {
			await sleep(0);
			const all = [];
			for (const el of document.querySelectorAll('.cbi-value-error'))
				if (el.textContent && el.parentNode.parentNode.style.display !== 'none')
					all.push(el.id.replace(/\.error$/, '') + ': ' + el.textContent);
			return { errors: all };
		}
		if (s.read) {
			const el = document.querySelector(s.read);
			return { read: s.read, text: el ? el.textContent : null };
		}
		throw new Error('unknown step ' + JSON.stringify(s));
	}

	async function run() {
		try {
			const data = await instance.load();
			const node = await instance.render(data);
			document.getElementById('maincontent').appendChild(node);
			await sleep(20);
			for (const s of H.steps || [])
				result.steps.push(await step(s));
		} catch (e) {
			result.errors.push(String(e && e.stack || e));
		}
		document.getElementById('harness-result').textContent = JSON.stringify(result);
	}
	run();
})();
