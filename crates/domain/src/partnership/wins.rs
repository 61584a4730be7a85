//! The wins wall: what went well, who added it and when.

use autosurgeon::Text;

use super::{Partnership, Win};
use crate::{ids::WinId, locale::Lang};

/// Why a win was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WinError {
    #[error("a win needs a few words about what went well")]
    Empty,
}

impl WinError {
    /// In words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Ru, Self::Empty) => "опишите победу хотя бы парой слов".into(),
        }
    }
}

impl Partnership {
    pub fn add_win(
        &mut self,
        id: WinId,
        text: &str,
        by: &str,
        side: &str,
        at_ms: i64,
    ) -> Result<(), WinError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WinError::Empty);
        }
        self.wins.insert(
            id,
            Win {
                removed: false,
                text: Text::with_value(text),
                by: by.trim().to_owned(),
                side: side.to_owned(),
                at_ms,
                source: String::new(),
            },
        );
        Ok(())
    }

    /// Adds a win from a campaign's debrief, naming the campaign.
    pub fn add_win_from(
        &mut self,
        id: WinId,
        text: &str,
        by: &str,
        side: &str,
        at_ms: i64,
        campaign: &str,
    ) -> Result<(), WinError> {
        self.add_win(id.clone(), text, by, side, at_ms)?;
        if let Some(w) = self.wins.get_mut(&id) {
            campaign.trim().clone_into(&mut w.source);
        }
        Ok(())
    }

    /// The wins, newest first.
    pub fn wins_newest_first(&self) -> Vec<(&WinId, &Win)> {
        let mut wins: Vec<_> = self.wins.iter().collect();
        wins.sort_by_key(|(id, w)| (std::cmp::Reverse(w.at_ms), (*id).clone()));
        wins
    }
}
