'use strict';
'require view';
'require form';
'require uci';
'require tools.widgets as widgets';

// Settings of the cwmpd agent: every option of /etc/config/cwmp, checked
// with the same limits as the agent's own reader (src/config.rs), so a
// value LuCI accepts is a value `cwmpd check-config` accepts.

// Vendor CLI limits (shared/seeds) and TR-181 string sizes, as in config.rs.
const MAX_URL = 256;
const MAX_PASSWORD = 126;
const MAX_USERNAME = 256;
const MAX_PROVISIONING_CODE = 64;
const MAX_PATH = 4096;
const U32_MAX = 4294967295;
const I32_MAX = 2147483647;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// Free text of bounded length without control characters.
function text(max) {
	return function(section_id, value) {
		if (value == null || value === '')
			return true;
		if ([...value].length > max)
			return _('At most %d characters').format(max);
		if (CONTROL.test(value))
			return _('Must not contain control characters');
		return true;
	};
}

// A whole number in [min, max]; the agent trims blanks before parsing.
function number(min, max) {
	return function(section_id, value) {
		if (value == null || value === '')
			return true;
		const v = value.trim();
		if (!/^[+-]?[0-9]+$/.test(v) || +v < min || +v > max)
			return _('Expecting a whole number from %d to %d').format(min, max);
		return true;
	};
}

// ACS URL: http:// or https://, a host, no blanks, at most 256 characters.
function acsUrl(section_id, value) {
	const t = text(MAX_URL)(section_id, value);
	if (t !== true || value === '')
		return t;
	const m = /^https?:\/\/(.*)$/.exec(value);
	if (!m)
		return _('Must start with http:// or https://');
	const authority = m[1].split(/[/?#]/)[0];
	const at = authority.lastIndexOf('@');
	const host = at >= 0 ? authority.substring(at + 1) : authority;
	if (host === '' || host.charAt(0) === ':')
		return _('The URL has no host');
	if (/\s/.test(value))
		return _('Must not contain blanks');
	return true;
}

function isIPv4(h) {
	const parts = h.split('.');
	return parts.length === 4 && parts.every(p => /^(0|[1-9][0-9]{0,2})$/.test(p) && +p <= 255);
}

function isIPv6(h) {
	if (!/^[0-9a-fA-F:.]+$/.test(h) || h.indexOf(':') < 0)
		return false;
	const halves = h.split('::');
	if (halves.length > 2)
		return false;
	const groups = s => s === '' ? [] : s.split(':');
	let head = groups(halves[0]), tail = halves.length === 2 ? groups(halves[1]) : [];
	let all = head.concat(tail), count = all.length;
	const last = all[all.length - 1];
	if (last != null && last.indexOf('.') >= 0) {
		if (!isIPv4(last))
			return false;
		all = all.slice(0, -1);
		count++;
	}
	if (!all.every(g => /^[0-9a-fA-F]{1,4}$/.test(g)))
		return false;
	return halves.length === 2 ? count < 8 : count === 8;
}

// Connection Request URL, the vendor form http://ip[:port]/ (an address,
// not a name), at most 256 characters.
function cpeUrl(section_id, value) {
	const t = text(MAX_URL)(section_id, value);
	if (t !== true || value === '')
		return t;
	const m = /^http:\/\/([^/]*)\/.*$/s.exec(value);
	if (!m)
		return _('Expecting the form http://ip[:port]/');
	let host = m[1], port = null;
	const v6 = /^\[([^\]]*)\](.*)$/.exec(host);
	if (v6) {
		if (!isIPv6(v6[1]))
			return _('Expecting an IP address, not a name');
		if (v6[2] !== '') {
			if (v6[2].charAt(0) !== ':')
				return _('Expecting the form http://ip[:port]/');
			port = v6[2].substring(1);
		}
	}
	else {
		const i = host.indexOf(':');
		if (i >= 0) {
			port = host.substring(i + 1);
			host = host.substring(0, i);
		}
		if (!isIPv4(host))
			return _('Expecting an IP address, not a name');
	}
	if (port !== null && (!/^[0-9]{1,5}$/.test(port) || +port < 1 || +port > 65535))
		return _('Bad port in the URL');
	return true;
}

// An absolute file path (TLS files).
function absolutePath(section_id, value) {
	const t = text(MAX_PATH)(section_id, value);
	if (t !== true || value === '')
		return t;
	return value.charAt(0) === '/' ? true : _('Expecting an absolute path');
}

// TR-069 dateTime (XML Schema), e.g. 2024-01-31T02:00:00Z.
function dateTime(section_id, value) {
	const t = text(64)(section_id, value);
	if (t !== true || value === '')
		return t;
	return /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/.test(value)
		? true : _('Expecting a dateTime like 2024-01-31T02:00:00Z');
}

// Connection Request path: starts with '/', no blanks.
function requestPath(section_id, value) {
	const t = text(MAX_URL)(section_id, value);
	if (t !== true || value === '')
		return t;
	return (value.charAt(0) === '/' && !/\s/.test(value))
		? true : _('Must start with / and contain no blanks');
}

// netifd interface name as the agent accepts it.
function interfaceName(section_id, value) {
	const t = text(64)(section_id, value);
	if (t !== true || value === '')
		return t;
	return /^[A-Za-z0-9_.@-]+$/.test(value) ? true : _('Not an interface name');
}

// The agent refuses a client certificate without its key and vice versa.
function tlsPair(other) {
	return function(section_id, value) {
		const t = absolutePath(section_id, value);
		if (t !== true)
			return t;
		const peer = this.section.formvalue(section_id, other) || '';
		if ((value || '') === '' && peer !== '' || (value || '') !== '' && peer === '')
			return _('Set both the client certificate and its key, or neither');
		return true;
	};
}

// max_keepalive is -1 (no maximum) or at least min_keepalive.
function maxKeepalive(section_id, value) {
	const t = number(-1, I32_MAX)(section_id, value);
	if (t !== true || value == null || value === '')
		return t;
	const min = this.section.formvalue(section_id, 'min_keepalive');
	if (+value.trim() >= 0 && min != null && min !== '' && +value.trim() < +min.trim())
		return _('Must be -1 or at least the minimum keepalive');
	return true;
}

return view.extend({
	load() {
		return uci.load('cwmp');
	},

	render() {
		const m = new form.Map('cwmp', _('TR-069'),
			_('The CWMP (TR-069) agent: how it reaches the ACS and how the ACS reaches it.'));
		let s, o;

		s = m.section(form.NamedSection, 'cwmp', 'cwmp', _('Agent'));
		o = s.option(form.Flag, 'enable', _('Enable'));
		o.default = '1';
		o.rmempty = false;
		o = s.option(form.ListValue, 'log_level', _('Log level'));
		o.value('error', _('Errors'));
		o.value('warn', _('Warnings'));
		o.value('info', _('Information'));
		o.value('debug', _('Debug'));
		o.default = 'info';

		s = m.section(form.NamedSection, 'acs', 'acs', _('ACS'));
		s.tab('acs', _('ACS'));
		s.tab('tls', _('TLS'));
		o = s.taboption('acs', form.Value, 'url', _('ACS URL'),
			_('Empty: the URL learnt by DHCP (option 43) when enabled below, else the default ACS URL.'));
		o.placeholder = 'https://acs.example.net:7547/cwmp';
		o.validate = acsUrl;
		o = s.taboption('acs', form.Value, 'username', _('Username'));
		o.validate = text(MAX_USERNAME);
		o = s.taboption('acs', form.Value, 'password', _('Password'));
		o.password = true;
		o.validate = text(MAX_PASSWORD);
		o = s.taboption('acs', form.Flag, 'dhcp_discovery', _('DHCP discovery'),
			_('Use the ACS URL from DHCP option 43 when no ACS URL is set.'));
		o.default = '1';
		o.rmempty = false;
		o = s.taboption('acs', form.Value, 'default_url', _('Default ACS URL'),
			_('Last resort when neither the ACS URL nor DHCP gives one.'));
		o.validate = acsUrl;
		o = s.taboption('acs', form.Value, 'default_username', _('Default ACS username'));
		o.validate = text(MAX_USERNAME);
		o = s.taboption('acs', form.Value, 'default_password', _('Default ACS password'));
		o.password = true;
		o.validate = text(MAX_PASSWORD);
		o = s.taboption('tls', form.Value, 'ca_file', _('CA bundle'),
			_('Absolute path of the certificates the ACS certificate is checked against.'));
		o.validate = absolutePath;
		o = s.taboption('tls', form.Flag, 'verify', _('Verify ACS certificate'));
		o.default = '1';
		o.rmempty = false;
		o = s.taboption('tls', form.Value, 'client_cert', _('Client certificate'),
			_('Absolute path; set together with the client key.'));
		o.validate = tlsPair('client_key');
		o = s.taboption('tls', form.Value, 'client_key', _('Client key'),
			_('Absolute path; set together with the client certificate.'));
		o.validate = tlsPair('client_cert');

		s = m.section(form.NamedSection, 'cpe', 'cpe', _('CPE'));
		s.tab('cpe', _('CPE'));
		s.tab('inform', _('Inform'));
		s.tab('connection', _('Connection'));
		s.tab('transfers', _('Transfers'));

		o = s.taboption('cpe', form.Value, 'username', _('Connection Request username'),
			_('The ACS authenticates with these when it asks the CPE to connect.'));
		o.validate = text(MAX_USERNAME);
		o = s.taboption('cpe', form.Value, 'password', _('Connection Request password'));
		o.password = true;
		o.validate = text(MAX_PASSWORD);

		// url and interface are mutually exclusive in the agent: one choice
		// decides which of the two is shown; the hidden one is removed on save.
		// `_cr_mode` is not stored (LuCI's convention for names starting "_").
		o = s.taboption('cpe', form.ListValue, '_cr_mode', _('Connection Request URL from'));
		o.value('auto', _('The address used to reach the ACS'));
		o.value('url', _('A fixed URL'));
		o.value('interface', _('The address of an interface'));
		o.cfgvalue = function(section_id) {
			if (uci.get('cwmp', section_id, 'url'))
				return 'url';
			if (uci.get('cwmp', section_id, 'interface'))
				return 'interface';
			return 'auto';
		};
		o.write = function() {};
		o.remove = function() {};
		o = s.taboption('cpe', form.Value, 'url', _('Connection Request URL'),
			_('Announced as given, form http://ip[:port]/.'));
		o.depends('_cr_mode', 'url');
		o.validate = cpeUrl;
		o = s.taboption('cpe', widgets.NetworkSelect, 'interface', _('Interface'),
			_('Its address, the port and the path form the announced URL.'));
		o.depends('_cr_mode', 'interface');
		o.nocreate = true;
		o.validate = interfaceName;

		o = s.taboption('cpe', form.Value, 'port', _('Connection Request port'));
		o.datatype = 'and(uinteger,range(0,65535))';
		o.placeholder = '7547';
		o = s.taboption('cpe', form.Value, 'path', _('Connection Request path'),
			_('Empty: a random path, generated once and kept, so the URL cannot be guessed.'));
		o.validate = requestPath;
		o = s.taboption('cpe', form.Value, 'provisioning_code', _('Provisioning code'));
		o.validate = text(MAX_PROVISIONING_CODE);
		o = s.taboption('cpe', form.Flag, 'ipv6', _('Use IPv6'));
		o.default = '0';
		o.rmempty = false;

		o = s.taboption('inform', form.Flag, 'periodic_inform', _('Periodic inform'));
		o.default = '1';
		o.rmempty = false;
		o = s.taboption('inform', form.Value, 'periodic_interval', _('Periodic inform interval (s)'));
		o.validate = number(1, U32_MAX);
		o.placeholder = '600';
		o = s.taboption('inform', form.Value, 'periodic_time', _('Periodic inform time'),
			_('Informs are aligned to this dateTime, e.g. 2024-01-01T03:00:00Z.'));
		o.validate = dateTime;
		o = s.taboption('inform', form.Value, 'schedule_time', _('Scheduled connection'),
			_('Connect once at this dateTime.'));
		o.validate = dateTime;

		o = s.taboption('connection', form.Value, 'timeout', _('Session timeout (s)'),
			_('Seconds without an ACS response before the session fails.'));
		o.validate = number(1, 3600);
		o.placeholder = '30';
		o = s.taboption('connection', form.Value, 'max_retries', _('Maximum retries'),
			_('Empty: retry forever.'));
		o.validate = number(0, U32_MAX);
		o = s.taboption('connection', form.Value, 'retry_min_wait', _('Retry minimum wait (s)'),
			_('TR-069 3.2.1.1 session retry policy.'));
		o.validate = number(1, 65535);
		o.placeholder = '5';
		o = s.taboption('connection', form.Value, 'retry_multiplier', _('Retry interval multiplier'),
			_('In thousandths: 2000 doubles the wait after each failure.'));
		o.validate = number(1000, 65535);
		o.placeholder = '2000';

		o = s.taboption('transfers', form.Flag, 'download', _('Accept downloads'));
		o.default = '1';
		o.rmempty = false;
		o = s.taboption('transfers', form.Flag, 'upload', _('Allow uploads'));
		o.default = '1';
		o.rmempty = false;
		o = s.taboption('transfers', form.Flag, 'backup', _('Back up before changes'),
			_('Back up and restore firmware and configuration around ACS-driven changes.'));
		o.default = '0';
		o.rmempty = false;
		o = s.taboption('transfers', form.Value, 'backup_delay', _('Backup delay (s)'));
		o.validate = number(0, U32_MAX);

		s = m.section(form.NamedSection, 'stun', 'stun', _('STUN'),
			_('TR-069 Annex G: reach a CPE behind NAT.'));
		o = s.option(form.Flag, 'enable', _('Enable STUN'));
		o.default = '0';
		o.rmempty = false;
		o = s.option(form.Value, 'server', _('STUN server'));
		o.validate = text(MAX_URL);
		o.placeholder = _('the ACS host');
		o = s.option(form.Value, 'port', _('STUN port'));
		o.datatype = 'and(uinteger,range(1,65535))';
		o.placeholder = '3478';
		o = s.option(form.Value, 'username', _('STUN username'));
		o.validate = text(MAX_USERNAME);
		o = s.option(form.Value, 'password', _('STUN password'));
		o.password = true;
		o.validate = text(MAX_PASSWORD);
		o = s.option(form.Value, 'min_keepalive', _('Minimum keepalive (s)'));
		o.validate = number(0, U32_MAX);
		o.placeholder = '20';
		o = s.option(form.Value, 'max_keepalive', _('Maximum keepalive (s)'),
			_('-1: no maximum.'));
		o.validate = maxKeepalive;
		o.placeholder = '60';

		return m.render();
	}
});
