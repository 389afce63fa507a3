//! Orders: each section's pages by its `sort_by`, subsections by weight,
//! transparent sections' pages shown in their parents, and neighbours.

use super::front_matter::SortBy;
use super::{Library, Page, PageId, SectionId};

/// Orders each section's pages and subsections, adds the pages of
/// transparent children to their parents, and links neighbours.
pub fn sort_sections(lib: &mut Library) {
    // Deepest first, so a transparent grandchild's pages bubble up.
    let mut order: Vec<SectionId> = (0..lib.sections.len()).collect();
    order.sort_by_key(|&id| std::cmp::Reverse(lib.sections[id].path.matches('/').count()));
    for id in order {
        let sort_by = lib.sections[id].meta.sort_by;
        let mut pages = std::mem::take(&mut lib.sections[id].pages);
        sort_pages(&lib.pages, &mut pages, sort_by);
        if lib.sections[id].meta.transparent
            && let Some(parent) = lib.sections[id].parent
        {
            lib.sections[parent].pages.extend(pages.iter().copied());
        }
        lib.sections[id].pages = pages;
        let mut subs = std::mem::take(&mut lib.sections[id].subsections);
        subs.sort_by(|&a, &b| {
            let (sa, sb) = (&lib.sections[a], &lib.sections[b]);
            (sa.meta.weight, &sa.path).cmp(&(sb.meta.weight, &sb.path))
        });
        lib.sections[id].subsections = subs;
    }
    // Neighbours follow the page's own section (not a transparent parent).
    for id in 0..lib.sections.len() {
        let own: Vec<PageId> = lib.sections[id]
            .pages
            .iter()
            .copied()
            .filter(|&p| lib.pages[p].section == id)
            .collect();
        for (i, &p) in own.iter().enumerate() {
            lib.pages[p].lower = own.get(i + 1).copied();
            lib.pages[p].higher = i.checked_sub(1).map(|j| own[j]);
        }
    }
}

fn sort_pages(pages: &[Page], ids: &mut [PageId], sort_by: SortBy) {
    let by_path = |a: &PageId, b: &PageId| pages[*a].file.rel.cmp(&pages[*b].file.rel);
    match sort_by {
        SortBy::None => ids.sort_by(by_path),
        SortBy::Date => ids.sort_by(|a, b| {
            // Newest first; undated pages last.
            let (da, db) = (
                pages[*a].date.as_ref().map(|d| d.utc),
                pages[*b].date.as_ref().map(|d| d.utc),
            );
            match (da, db) {
                (Some(x), Some(y)) => y.cmp(&x).then_with(|| by_path(a, b)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => by_path(a, b),
            }
        }),
        SortBy::Weight => ids.sort_by(|a, b| {
            let (wa, wb) = (
                pages[*a].meta.weight.unwrap_or(i64::MAX),
                pages[*b].meta.weight.unwrap_or(i64::MAX),
            );
            wa.cmp(&wb).then_with(|| by_path(a, b))
        }),
        SortBy::Title => ids.sort_by(|a, b| {
            let t = |id: &PageId| {
                pages[*id]
                    .meta
                    .title
                    .clone()
                    .unwrap_or_default()
                    .to_lowercase()
            };
            t(a).cmp(&t(b)).then_with(|| by_path(a, b))
        }),
    }
}
