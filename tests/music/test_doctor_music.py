"""`mirrorball doctor`'s music rows over the in-memory catalog: which sources work and the fix for each refusal."""

from music_fakes import small_catalog

from device.commands.doctor_music import check_sources, fix_for, probes
from device.core.catalog import CatalogError, CatalogRefused


class Refusing:
    """A catalog that refuses some operations the way the service does."""

    def __init__(self, inner, refuse: dict):
        self.inner, self.refuse = inner, refuse

    def __getattr__(self, name):
        if name in self.refuse:
            def refused(*a, **kw):
                raise self.refuse[name]
            return refused
        return getattr(self.inner, name)


def by_name(rows):
    return {name: (outcome, detail, fix) for name, outcome, detail, fix in rows}


def test_every_source_works_on_a_full_account_and_others_playlists_are_refused_with_the_fix():
    catalog = small_catalog(saved=["spotify:track:00001"], top=["spotify:track:00002"])
    rows = by_name(check_sources(catalog, ["spotify:playlist:named", "spotify:playlist:user-chill"], None))
    assert all(rows[n][0] == "PASS" for n in rows if not n.startswith("music: music.playlists[1]")), rows
    assert rows["music: your playlists"][1] == "works (3 of 5 readable: own or collaborative)"
    outcome, detail, fix = rows["music: music.playlists[1]"]
    assert outcome == "WARN" and "403" in detail and "own or collaborate on" in fix
    assert len(catalog.calls) <= len(probes([1, 2])) + 1  # one small request each (and who the user is)
    assert all(op != "playlist_tracks" or uri != "spotify:playlist:official-chill" for op, uri, _ in catalog.calls)


def test_missing_scopes_premium_and_dev_mode_get_their_own_fix():
    forbidden = CatalogRefused(403, "Forbidden")
    premium = CatalogRefused(403, "Premium required")
    catalog = Refusing(small_catalog(), {"saved_tracks": forbidden, "recently_played": forbidden,
                                         "top_tracks": premium})
    granted = {"user-top-read", "user-library-read", "playlist-read-private", "playlist-read-collaborative"}
    rows = by_name(check_sources(catalog, [], granted))
    assert "lacks the scope user-read-recently-played" in rows["music: recently played"][2]
    assert "User Management" in rows["music: saved tracks"][2]  # scope granted: the app's user list
    assert "Premium" in rows["music: top tracks"][2]
    assert rows["music: genre search"][0] == "PASS"


def test_no_source_working_is_a_failure_with_the_network_fix():
    down = CatalogError("Spotify is unreachable (timeout)")
    everything = {name: down for name in ("search_tracks", "search_artists", "saved_tracks", "top_tracks",
                                          "top_artists", "recently_played", "my_playlists", "user_id")}
    rows = check_sources(Refusing(small_catalog(), everything), [], None)
    assert {outcome for _, outcome, _, _ in rows} == {"FAIL"}
    assert fix_for(probes([])[0], down, None) == "check the network (the other sources will be refused too)"
