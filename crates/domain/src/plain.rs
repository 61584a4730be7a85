//! A partnership's content as plain data, for a preview that loads in a blink.
//!
//! A preview ([`crate::document::PartnershipDoc::preview`]) is an Automerge document of
//! one change. Written with its texts as text objects, a 235,000-character roadmap is
//! 235,000 operations to load, even in one change (~75 ms natively, ~300 ms in the
//! browser). So each text object is written as a map holding the text as one string
//! under [`TEXT`], and [`Plain`] reads such a document back for autosurgeon as if those
//! maps were texts: the same hydration, the same `Partnership`, none of the cost.

use std::ops::RangeBounds;

use automerge::{
    AutoCommit, AutomergeError, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value,
    transaction::Transactable,
};

/// The key under which a text object's content is kept as one string.
const TEXT: &str = "tandem:preview-text";

/// Copies `from`'s object `src` into `to`'s object `dst` (of the same kind), writing every
/// text object as a map holding its content under [`TEXT`].
pub(crate) fn copy(
    from: &AutoCommit,
    src: &ObjId,
    to: &mut AutoCommit,
    dst: &ObjId,
) -> Result<(), AutomergeError> {
    let props: Vec<Prop> = match from.object_type(src)? {
        ObjType::Map | ObjType::Table => from.keys(src).map(Prop::Map).collect(),
        ObjType::List => (0..from.length(src)).map(Prop::Seq).collect(),
        ObjType::Text => return Ok(()),
    };
    let list = matches!(from.object_type(src)?, ObjType::List);
    for prop in props {
        let Some((value, id)) = from.get(src, prop.clone())? else {
            continue;
        };
        let made = match value {
            Value::Scalar(s) => {
                let s = s.into_owned();
                match prop {
                    Prop::Seq(i) if list => to.insert(dst, i, s)?,
                    p => to.put(dst, p, s)?,
                }
                continue;
            }
            Value::Object(ObjType::Text) => {
                let map = match prop {
                    Prop::Seq(i) if list => to.insert_object(dst, i, ObjType::Map)?,
                    p => to.put_object(dst, p, ObjType::Map)?,
                };
                to.put(&map, TEXT, ScalarValue::Str(from.text(&id)?.into()))?;
                continue;
            }
            Value::Object(kind) => match prop {
                Prop::Seq(i) if list => to.insert_object(dst, i, kind)?,
                p => to.put_object(dst, p, kind)?,
            },
        };
        copy(from, &id, to, &made)?;
    }
    Ok(())
}

/// A document written by [`copy`], read as the document it was copied from.
pub(crate) struct Plain<'a>(pub(crate) &'a AutoCommit);

impl Plain<'_> {
    /// The content of a map that stands for a text.
    fn text_of(&self, obj: &ObjId) -> Option<String> {
        match self.0.get(obj, TEXT).ok()?? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Str(t) => Some(t.to_string()),
                _ => None,
            },
            _ => None,
        }
    }
}

impl autosurgeon::ReadDoc for Plain<'_> {
    type Parents<'b>
        = <AutoCommit as autosurgeon::ReadDoc>::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        autosurgeon::ReadDoc::get_heads(self.0)
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        Ok(match autosurgeon::ReadDoc::get(self.0, obj, prop)? {
            Some((Value::Object(ObjType::Map), id)) if self.text_of(&id).is_some() => {
                Some((Value::Object(ObjType::Text), id))
            }
            other => other,
        })
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        match autosurgeon::ReadDoc::object_type(self.0, obj.as_ref())? {
            ObjType::Map if self.text_of(obj.as_ref()).is_some() => Some(ObjType::Text),
            other => Some(other),
        }
    }

    fn map_range<'a, O, R>(&'a self, obj: O, range: R) -> automerge::iter::MapRange<'a>
    where
        R: RangeBounds<String> + 'a,
        O: AsRef<ObjId>,
    {
        autosurgeon::ReadDoc::map_range(self.0, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        autosurgeon::ReadDoc::list_range(self.0, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        autosurgeon::ReadDoc::length(self.0, obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        match self.text_of(obj.as_ref()) {
            Some(t) => Ok(t),
            None => autosurgeon::ReadDoc::text(self.0, obj),
        }
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        autosurgeon::ReadDoc::parents(self.0, obj)
    }

    fn is_empty(&self) -> bool {
        autosurgeon::ReadDoc::is_empty(self.0)
    }
}
