/* asset.html?id=ID: the page a scanned label's URL (/t/<tag>) redirects to. */
'use strict';
Muster.page(async () => {
	const {$, tx, say} = Muster;
	const id = new URLSearchParams(location.search).get('id');
	const msg = $('#asset-msg');
	if (!id) {
		say(msg, tx('asset.no_id'), 'error');
		return;
	}
	const view = AssetView.create($('#asset'));
	try {
		const a = await view.show(id);
		document.title = a.id + ' · ' + Muster.t('title.asset');
	} catch (e) {
		say(msg, e);
	}
});
