//! Pagination of sections and taxonomy terms, as Zola does it: with
//! `paginate_by = N`, the listing's first N pages stay at its own URL and
//! the rest go to `PATH/page/2/`, `PATH/page/3/`, ...; `PATH/page/1/`
//! sends the browser back to `PATH`. Templates get a `paginator`.

use serde_json::{Value, json};

use crate::content::PageId;
use crate::templates::SiteData;

/// One paginated listing: where it lives and what it lists.
#[derive(Debug, Clone, Copy)]
pub struct Pagination<'a> {
    /// The listing's own path, `/blog/`.
    pub path: &'a str,
    pub pages: &'a [PageId],
    pub by: usize,
    /// `page` by default.
    pub segment: &'a str,
}

impl Pagination<'_> {
    /// How many pagers: at least one, even for an empty listing.
    pub fn count(&self) -> usize {
        self.pages.len().div_ceil(self.by.max(1)).max(1)
    }

    /// The path of pager `index` (0-based): the listing's own for 0.
    pub fn path_of(&self, index: usize) -> String {
        if index == 0 {
            self.path.to_string()
        } else {
            format!("{}{}/{}/", self.path, self.segment, index + 1)
        }
    }

    /// `PATH/page/1/`, which only redirects.
    pub fn first_alias(&self) -> String {
        format!("{}{}/1/", self.path, self.segment)
    }

    /// The pages of pager `index`.
    pub fn pages_of(&self, index: usize) -> &[PageId] {
        let by = self.by.max(1);
        let start = (index * by).min(self.pages.len());
        let end = (start + by).min(self.pages.len());
        &self.pages[start..end]
    }

    /// The `paginator` of pager `index`, in Zola's shape.
    pub fn paginator(&self, data: &SiteData, index: usize) -> Value {
        let count = self.count();
        let link = |i: usize| data.permalink(&self.path_of(i));
        let pages: Vec<Value> = self
            .pages_of(index)
            .iter()
            .map(|&p| data.listing(p))
            .collect();
        json!({
            "paginate_by": self.by,
            "base_url": data.permalink(self.path),
            "number_pagers": count,
            "first": link(0),
            "last": link(count - 1),
            "previous": (index > 0).then(|| link(index - 1)),
            "next": (index + 1 < count).then(|| link(index + 1)),
            "pages": pages,
            "current_index": index + 1,
            "total_pages": self.pages.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_paths_and_slices() {
        let pages: Vec<PageId> = (0..5).collect();
        let p = Pagination {
            path: "/blog/",
            pages: &pages,
            by: 2,
            segment: "page",
        };
        assert_eq!(p.count(), 3);
        assert_eq!(p.path_of(0), "/blog/");
        assert_eq!(p.path_of(2), "/blog/page/3/");
        assert_eq!(p.first_alias(), "/blog/page/1/");
        assert_eq!(p.pages_of(2), &[4]);
        let empty = Pagination { pages: &[], ..p };
        assert_eq!(empty.count(), 1);
        assert!(empty.pages_of(0).is_empty());
    }
}
