//! Russian for every English text of the interface (the English is the key).
//!
//! Kept in English alphabetical order; `i18n::tests` checks that every text the screens
//! use is here, with the same `{0}` places and no English left in it.

/// The Russian for an English interface text, if there is one.
pub fn ru(en: &str) -> Option<&'static str> {
    Some(match en {
        " (fails)" => " (не пройдено)",
        " ({0} times)" => " (раз: {0})",
        " Approve a draft nobody reviewed within the review days" => {
            " Считать черновик согласованным, если его не проверили за срок проверки"
        }
        " Disclosure on screen" => " Раскрытие в кадре",
        " Disclosure spoken" => " Раскрытие голосом",
        " Labelled «Реклама»" => " С пометкой «Реклама»",
        " Paid post" => " Платная публикация",
        " Platform's paid-partnership tag on" => {
            " Отметка платформы о платном партнёрстве включена"
        }
        " Renews automatically" => " Продлевается автоматически",
        " Your copy stays in this browser and you can still read and export it, but it no longer syncs and cannot be edited. Ask the owner for a new link to work on it together again." => {
            " Ваша копия остаётся в этом браузере: её можно читать и экспортировать, но она больше не синхронизируется и не редактируется. Чтобы снова работать вместе, попросите у владельца новую ссылку."
        }
        " · draft due {0}" => " · черновик до {0}",
        " · from the debrief of “{0}”" => " · из разбора кампании «{0}»",
        " — copy it now; it is shown only once." => {
            " — скопируйте её сейчас: она показывается только один раз."
        }
        "(empty)" => "(пусто)",
        "(read-only until it has loaded)" => "(только чтение, пока не загрузится)",
        "(since {0})" => "(с {0})",
        ", by {0}" => ", до {0}",
        ", live from {0}" => ", размещение с {0}",
        ", live {0} – {1}" => ", размещение {0} – {1}",
        ". Nothing was changed." => ". Ничего не изменено.",
        ". Your edits are kept in this tab and saved with the next edit." => {
            ". Ваши правки сохранены в этой вкладке и будут записаны со следующей правкой."
        }
        "A new version of Tandem is available. Your work is saved; reload when it suits you." => {
            "Вышла новая версия Tandem. Ваша работа сохранена; перезагрузите страницу, когда будет удобно."
        }
        "A note for your side only" => "Заметка только для вашей стороны",
        "A past version, read-only: " => "Прошлая версия, только для чтения: ",
        "A point of contact needs a name." => "У контактного лица должно быть имя.",
        "A win" => "Победа",
        "A win from this campaign" => "Победа этой кампании",
        "Act of services" => "Акт оказанных услуг",
        "Action items agreed at this review" => "Задачи, о которых договорились на этом обзоре",
        "Actions" => "Действия",
        "Active" => "Действует",
        "Actual" => "Факт",
        "Add" => "Добавить",
        "Add KPI" => "Добавить KPI",
        "Add a KPI" => "Новый KPI",
        "Add a KPI for this market to see its trend." => {
            "Добавьте KPI для этого рынка, чтобы увидеть динамику."
        }
        "Add a campaign to " => "Добавить кампанию в ",
        "Add a deliverable" => "Новый материал",
        "Add a payment" => "Добавить платёж",
        "Add action" => "Добавить задачу",
        "Add campaign" => "Добавить кампанию",
        "Add deliverable" => "Добавить материал",
        "Add note" => "Добавить заметку",
        "Add payment" => "Добавить платёж",
        "Add risk" => "Добавить риск",
        "Add to the wins wall" => "На стену побед",
        "Add win" => "Добавить победу",
        "Added by {0}, {1}" => "Добавил(а) {0}, {1}",
        "Added to the wins wall" => "Добавлено на стену побед",
        "Advertising rules" => "Требования к рекламе",
        "After" => "После",
        "Agreement" => "Договор",
        "Agreement + SOW — print / PDF" => "Договор и техзадание — печать / PDF",
        "Agreement + current SOW (Markdown)" => "Договор и текущее техзадание (Markdown)",
        "All changes are on the relay" => "Все изменения на сервере",
        "All checkpoints: " => "Все контрольные точки: ",
        "Also here: {0}" => "Также здесь: {0}",
        "Amount" => "Сумма",
        "Anna Petrova, Studio North" => "Анна Петрова, Студия «Север»",
        "Answer" => "Ответ",
        "Approval" => "Согласование",
        "Approved" => "Согласован",
        "Approved by silence" => "Согласовано по истечении срока",
        "Back to the history" => "Назад к истории",
        "Back to the partnership" => "Назад к партнёрству",
        "Back to your partnerships" => "Назад к вашим партнёрствам",
        "Base agreement" => "Рамочный договор",
        "Before" => "До",
        "Before it goes live on {0}" => "Перед публикацией {0}",
        "Brand" => "Бренд",
        "Brand (legal name)" => "Бренд (юридическое название)",
        "Brand's INN (Russia)" => "ИНН бренда (Россия)",
        "Brand's point of contact" => "Контактное лицо бренда",
        "Brand, creator or market" => "Бренд, автор или рынок",
        "Brand-only notes" => "Внутренние заметки бренда",
        "Brand-only notes: {0}" => "Внутренние заметки бренда: {0}",
        "Budget (empty: the SOW's compensation)" => "Бюджет (пусто — вознаграждение по техзаданию)",
        "By" => "Срок",
        "By name" => "По названию",
        "Campaign" => "Кампания",
        "Cancel" => "Отмена",
        "Caption" => "Текст публикации",
        "Caption as it would go out" => "Текст публикации, как он выйдет",
        "Category" => "Категория",
        "Cause" => "Причина",
        "Celebrate what went well, together: both sides see the wall." => {
            "Отмечайте победы вместе: эту стену видят обе стороны."
        }
        "Change" => "Изменить",
        "Channel (call, chat, email…)" => "Канал (звонок, чат, почта…)",
        "Check in every (days)" => "Периодичность встреч (дней)",
        "Check-ins" => "Встречи",
        "Checkpoint" => "Контрольная точка",
        "Clicks" => "Клики",
        "Colleague (optional)" => "Коллега (необязательно)",
        "Compensation" => "Вознаграждение",
        "Compensation saved" => "Вознаграждение сохранено",
        "Continue if" => "Продолжаем, если",
        "Conversion rate (optional)" => "Курс пересчёта (необязательно)",
        "Conversions" => "Конверсии",
        "Copy" => "Копировать",
        "Cost" => "Затраты",
        "Cost per campaign, onboarding amortised" => "Затраты на кампанию с учётом онбординга",
        "Count" => "Количество",
        "Create a recovery key" => "Создать ключ восстановления",
        "Create link" => "Создать ссылку",
        "Create partnership" => "Создать партнёрство",
        "Created" => "Создана",
        "Creator or agency" => "Автор или агентство",
        "Creator or agency (legal name)" => "Автор или агентство (юридическое название)",
        "Creator's audience (subscribers)" => "Аудитория автора (подписчики)",
        "Creator's point of contact" => "Контактное лицо автора",
        "Creator's register number (Roskomnadzor)" => "Номер автора в реестре Роскомнадзора",
        "Currency" => "Валюта",
        "Date" => "Дата",
        "Day" => "День",
        "Debriefs" => "Разборы",
        "Decides the documents each payment needs." => {
            "От него зависят документы по каждому платежу."
        }
        "Deliverables" => "Материалы",
        "Dismiss" => "Скрыть",
        "Documents" => "Документы",
        "Done" => "Завершена",
        "Done: {0}" => "Выполнено: {0}",
        "Download Markdown" => "Скачать Markdown",
        "Download failed: " => "Не удалось скачать: ",
        "Download the stored bytes" => "Скачать сохранённые байты",
        "Draft due (days before live)" => "Черновик (дней до публикации)",
        "Draft submitted" => "Черновик сдан",
        "Draft {0}" => "Черновик {0}",
        "Drafts and review: none yet" => "Черновики и проверка: пока нет",
        "Drafts and review: round {0} of {1}" => "Черновики и проверка: раунд {0} из {1}",
        "Due" => "Срок",
        "Editor — can edit" => "Редактор — может менять",
        "Effect" => "Последствие",
        "Ends" => "Конец",
        "Engagements" => "Вовлечения",
        "Every change, grouped into editing sessions, newest first. Times are in your time zone." => {
            "Все изменения по сеансам правки, сначала новые. Время — в вашем часовом поясе."
        }
        "Every date and deadline (calendar, .ics)" => "Все даты и сроки (календарь, .ics)",
        "Everything was on the relay when last connected" => {
            "При последнем подключении всё было на сервере"
        }
        "Exclusivity" => "Эксклюзивность",
        "Expired" => "Истекла",
        "Expires" => "Действует до",
        "Expires (optional)" => "Действует до (необязательно)",
        "Export" => "Экспорт",
        "Export the partnership (.automerge)" => "Экспортировать партнёрство (.automerge)",
        "Extra round (% of the fee)" => "Дополнительный раунд (% вознаграждения)",
        "Extra round (paid)" => "Дополнительный раунд (платный)",
        "Extra round: {0}" => "Дополнительный раунд: {0}",
        "Fetching the brand's notes from the relay…" => "Загружаем заметки бренда с сервера…",
        "Fetching this partnership from the relay…" => "Загружаем партнёрство с сервера…",
        "Find a partnership" => "Найти партнёрство",
        "First 100k views on the Spring drop" => "Первые 100 тыс. просмотров весеннего дропа",
        "First quarter" => "Первый квартал",
        "Followers" => "Подписчики",
        "For" => "Для кого",
        "For (optional)" => "Для кого (необязательно)",
        "Format" => "Формат",
        "Free some space on this device (or clear other websites' data in the browser settings), or export the partnership to keep a copy. Keep this tab open until this message goes away." => {
            "Освободите место на этом устройстве (или удалите данные других сайтов в настройках браузера) либо экспортируйте партнёрство, чтобы сохранить копию. Не закрывайте эту вкладку, пока это сообщение не исчезнет."
        }
        "From" => "С",
        "From the brand" => "Со стороны бренда",
        "From the creator" => "Со стороны автора",
        "Getting it back from the relay…" => "Получаем его обратно с сервера…",
        "Give a colleague on your side these notes (a link)" => {
            "Дать коллеге с вашей стороны доступ к заметкам (ссылка)"
        }
        "Going quiet: {0}" => "Связь затихает: {0}",
        "Got a link or a recovery key?" => "Есть ссылка или ключ восстановления?",
        "History" => "История",
        "How the creator is paid" => "Как автор получает оплату",
        "How to reach them" => "Как связаться",
        "Id: " => "Идентификатор: ",
        "Import a .automerge file" => "Импортировать файл .automerge",
        "Imported as a partnership." => "Импортировано как партнёрство.",
        "Impressions" => "Показы",
        "In calendars it shows in each reader's own time zone." => {
            "В календарях встреча показывается в часовом поясе каждого читателя."
        }
        "Into" => "В валюту",
        "Issue" => "Проблема",
        "It had never reached the relay, so it cannot be restored. If you exported it, import that file." => {
            "Оно так и не попало на сервер, поэтому восстановить его нельзя. Если вы его экспортировали, импортируйте этот файл."
        }
        "It is back from the relay, and nothing saved in this browser was lost." => {
            "Оно восстановлено с сервера, и ничего из сохранённого в этом браузере не потеряно."
        }
        "It is back from the relay, but changes made in this browser that had not reached the relay were lost." => {
            "Оно восстановлено с сервера, но изменения из этого браузера, не успевшие дойти до сервера, потеряны."
        }
        "It is back from the relay, but the changes made in this browser after {0} had not reached the relay and were lost." => {
            "Оно восстановлено с сервера, но изменения, сделанные в этом браузере после {0}, не успели дойти до сервера и потеряны."
        }
        "It is stored in this browser and opens in a moment." => {
            "Оно хранится в этом браузере и откроется через мгновение."
        }
        "It opens as soon as it arrives, and is kept in this browser from then on." => {
            "Оно откроется, как только загрузится, и с этого момента будет храниться в этом браузере."
        }
        "Its stored bytes are kept exactly as they are: download them to keep a copy. Your other partnerships are not affected. Id: " => {
            "Сохранённые байты не тронуты: скачайте их, чтобы сохранить копию. Остальные партнёрства не затронуты. Идентификатор: "
        }
        "Joining needs the relay once, and it cannot be reached ({0}). Try again when you are online." => {
            "Для присоединения нужен сервер, а он недоступен ({0}). Попробуйте снова, когда будете в сети."
        }
        "Joining the partnership…" => "Присоединяемся к партнёрству…",
        "KPIs & results (CSV)" => "KPI и результаты (CSV)",
        "KPIs & verdict" => "KPI и решение",
        "KPIs and results" => "KPI и результаты",
        "KPIs per market" => "KPI по рынкам",
        "KPIs: target against actual" => "KPI: цель и факт",
        "Keep it like a password; revoke it here if it is lost." => {
            "Храните его как пароль; если потеряете — отзовите здесь."
        }
        "Keep this tab open until this message goes away, and export the partnership to keep a copy." => {
            "Не закрывайте эту вкладку, пока это сообщение не исчезнет, и экспортируйте партнёрство, чтобы сохранить копию."
        }
        "Kill fee" => "Неустойка за отмену",
        "Language" => "Язык",
        "Last edited " => "Изменено ",
        "Last used" => "Использована",
        "Late" => "Просрочено",
        "Learnings" => "Выводы",
        "Learnings carried from earlier campaigns" => "Выводы прошлых кампаний",
        "Learnings from earlier campaigns" => "Выводы прошлых кампаний",
        "Like 2027-Q1" => "Например, 2027-Q1",
        "Link to the draft or preview" => "Ссылка на черновик или превью",
        "Link “{0}”, made {1}" => "Ссылка «{0}», создана {1}",
        "Links" => "Ссылки",
        "Live" => "Опубликован",
        "Live from" => "Размещение с",
        "Live until" => "Размещение до",
        "Loading…" => "Загрузка…",
        "Local time now:" => "Местное время сейчас:",
        "Log" => "Журнал",
        "Log a check-in" => "Записать встречу",
        "Log check-in" => "Записать встречу",
        "Mark live with this reason" => "Отметить опубликованным с этой причиной",
        "Market" => "Рынок",
        "Markets" => "Рынки",
        "Meeting planner" => "Планировщик встреч",
        "Merged into the partnership you already had." => {
            "Объединено с уже имевшимся партнёрством."
        }
        "Metric" => "Метрика",
        "Metric and formula" => "Метрика и формула",
        "Month" => "Месяц",
        "Move “{0}” down" => "Переместить «{0}» ниже",
        "Move “{0}” up" => "Переместить «{0}» выше",
        "Must fix" => "Исправить обязательно",
        "Must fix (one per line)" => "Исправить обязательно (по одному в строке)",
        "Name" => "Имя",
        "Needs attention first" => "Сначала требующие внимания",
        "New action" => "Новая задача",
        "New link" => "Новая ссылка",
        "New partnership" => "Новое партнёрство",
        "New risk" => "Новый риск",
        "Next checkpoint: set the term to see the checkpoints" => {
            "Следующая контрольная точка: задайте срок договора, чтобы увидеть точки"
        }
        "Next checkpoint: {0}" => "Следующая контрольная точка: {0}",
        "Next quarter's objectives" => "Цели следующего квартала",
        "Next step" => "Следующий шаг",
        "Next time" => "В следующий раз",
        "Next: {0}" => "Дальше: {0}",
        "Nice to have" => "Желательно",
        "Nice to have (one per line)" => "Желательно (по одному в строке)",
        "No KPIs for this campaign's markets yet: add them on the KPIs tab." => {
            "Для рынков этой кампании пока нет KPI: добавьте их на вкладке KPI."
        }
        "No campaigns planned yet." => "Кампаний пока не запланировано.",
        "No deliverables yet." => "Материалов пока нет.",
        "No links yet." => "Ссылок пока нет.",
        "No overlap. Least bad:" => "Общего рабочего времени нет. Наименее неудобно:",
        "No partnerships in this browser yet." => "В этом браузере пока нет партнёрств.",
        "No payments yet. Plan them from a quarter's statement of work, or add one below." => {
            "Платежей пока нет. Запланируйте их по техзаданию квартала или добавьте ниже."
        }
        "No quarter selected." => "Квартал не выбран.",
        "No results recorded yet." => "Результатов пока нет.",
        "Nobody else has this open right now" => "Сейчас здесь больше никого нет",
        "Not agreed" => "Не согласовано",
        "Not decided" => "Не решено",
        "Not saved in this browser yet: kept in this tab and retried every few seconds" => {
            "Ещё не сохранено в этом браузере: правки хранятся в этой вкладке, повтор каждые несколько секунд"
        }
        "Not saved: " => "Не сохранено: ",
        "Not syncing: access ended" => "Не синхронизируется: доступ закрыт",
        "Note removed" => "Заметка удалена",
        "Notes only your side sees: what you think of a draft before you answer the creator. They are kept in a document of their own, which the creator's links never give." => {
            "Заметки, которые видит только ваша сторона: что вы думаете о черновике, прежде чем ответить автору. Они хранятся в отдельном документе, к которому ссылки автора доступа не дают."
        }
        "Nothing matches “{0}”." => "По запросу «{0}» ничего не найдено.",
        "Number of quarters" => "Число кварталов",
        "Onboarding cost" => "Стоимость онбординга",
        "Onboarding cost (amortised over the campaigns)" => {
            "Стоимость онбординга (распределяется по кампаниям)"
        }
        "One ask" => "Одна просьба",
        "One commitment" => "Одно обязательство",
        "One per campaign: how it went against the KPIs, what worked, what didn't and why, and what the next campaign should take from it." => {
            "По одному на кампанию: как она прошла по KPI, что сработало, что нет и почему, и что взять в следующую кампанию."
        }
        "One point of contact on each side, with their time zone and working hours. Times below are in your time zone, with each side's local time beside them." => {
            "По одному контактному лицу с каждой стороны, с часовым поясом и рабочими часами. Время ниже — в вашем часовом поясе, рядом — местное время каждой стороны."
        }
        "Only in this browser until registered with the relay" => {
            "Только в этом браузере, пока не зарегистрировано на сервере"
        }
        "Only in this browser until the relay registers it (as soon as you are online)." => {
            "Только в этом браузере, пока сервер его не зарегистрирует (как только вы будете в сети)."
        }
        "Open" => "Открыть",
        "Open it" => "Открыть",
        "Open it on your other device (your phone, another laptop) to own this partnership there too. " => {
            "Откройте его на другом устройстве (телефоне, другом ноутбуке), чтобы и там быть владельцем партнёрства. "
        }
        "Open the partnership: the notes are under each deliverable" => {
            "Открыть партнёрство: заметки — под каждым материалом"
        }
        "Opening the partnership…" => "Открываем партнёрство…",
        "Opening your partnerships…" => "Открываем ваши партнёрства…",
        "Opening…" => "Открываем…",
        "Order" => "Сортировка",
        "Outcome" => "Итог",
        "Overdue" => "Просрочено",
        "Owner" => "Ответственный",
        "Owner (recovery key)" => "Владелец (ключ восстановления)",
        "Page not found" => "Страница не найдена",
        "Paid" => "Оплачено",
        "Paid in another currency: rate" => "Оплата в другой валюте: курс",
        "Paid on" => "Дата оплаты",
        "Parties" => "Стороны",
        "Partnership documents" => "Документы партнёрства",
        "Partnership with a problem" => "Партнёрство с ошибкой",
        "Partnerships" => "Партнёрства",
        "Payment reference" => "Номер платежа",
        "Payment removed" => "Платёж удалён",
        "Payment split" => "График оплаты",
        "Payment terms" => "Условия оплаты",
        "Payments" => "Оплаты",
        "People" => "Люди",
        "People and time zones" => "Люди и часовые пояса",
        "Plan a campaign on the roadmap to debrief it." => {
            "Добавьте кампанию в план, чтобы написать её разбор."
        }
        "Plan campaigns for this quarter on the roadmap to record their results." => {
            "Добавьте кампании этого квартала в план, чтобы записать их результаты."
        }
        "Plan the {0} payments from its statement of work" => {
            "Запланировать платежи за {0} по техзаданию"
        }
        "Planned" => "Запланирована",
        "Planned campaigns" => "Запланированные кампании",
        "Platform" => "Площадка",
        "Print / Save as PDF" => "Печать / Сохранить в PDF",
        "Publish anyway: why it is safe" => "Опубликовать всё же: почему это допустимо",
        "Published over the gate: {0}" => "Опубликовано вопреки проверке: {0}",
        "QBR" => "Обзоры",
        "QBR {0}" => "Квартальный обзор {0}",
        "Quarter" => "Квартал",
        "Quarterly business review" => "Квартальный обзор",
        "Rate date" => "Дата курса",
        "Reach" => "Охват",
        "Recap in your words" => "Итоги своими словами",
        "Recovery key" => "Ключ восстановления",
        "Registry reports (Russia)" => "Отчёты в реестр рекламы (Россия)",
        "Reload" => "Перезагрузить",
        "Remove" => "Удалить",
        "Remove the note by {0}" => "Удалить заметку автора {0}",
        "Remove the {0} KPI for {1}" => "Удалить KPI {0} для {1}",
        "Remove {0}" => "Удалить {0}",
        "Remove “{0}”" => "Удалить «{0}»",
        "Renewal and termination" => "Продление и расторжение",
        "Renewal: set the end of the term to see the notice window" => {
            "Продление: задайте дату окончания договора, чтобы увидеть окно уведомления"
        }
        "Renewal: the notice window is open" => "Продление: открыто окно для уведомления",
        "Reported" => "Отчёт сдан",
        "Results" => "Результаты",
        "Revenue" => "Выручка",
        "Review (days)" => "Проверка (дней)",
        "Review due by {0} ({1}); {2} your time" => "Проверить до {0} ({1}); у вас {2}",
        "Review meeting" => "Встреча по обзору",
        "Review this draft" => "Проверить черновик",
        "Revision rounds" => "Раунды правок",
        "Revoke" => "Отозвать",
        "Revoke the link for {0}" => "Отозвать ссылку для {0}",
        // The share panel's calendar feeds (issue 22).
        "Calendar subscription" => "Подписка на календарь",
        "Calendar apps can subscribe to this partnership's dates: deadlines, payments due, reviews. Anyone with the address sees them, so keep it like a password; revoke it here and the calendar stops updating. " => {
            "Приложения-календари могут подписаться на даты этого партнёрства: сроки, платежи, обзоры. Их видит любой, у кого есть адрес, поэтому храните его как пароль; отзовите его здесь, и календарь перестанет обновляться. "
        }
        "Event titles are in the language this screen is in now." => {
            "События будут названы на том языке, на котором сейчас этот экран."
        }
        "Rule" => "Правило",
        "Rules change; the owner keeps this table current. A change re-checks posts already live." => {
            "Правила меняются; владелец поддерживает таблицу в актуальном виде. Изменение перепроверяет уже опубликованное."
        }
        "Saved in this browser; it reaches the relay when you are online." => {
            "Сохранено в этом браузере; на сервер попадёт, когда появится связь."
        }
        "Send review" => "Отправить проверку",
        "Send this link to a colleague on the brand's side only — copy it now; it is shown only once." => {
            "Отправьте эту ссылку только коллеге со стороны бренда и скопируйте её сейчас: она показывается только один раз."
        }
        "Set the go-live date to check this paid post against the rules in force on that day." => {
            "Укажите дату публикации, чтобы проверить этот платный пост по правилам, действующим в этот день."
        }
        "Source" => "Источник",
        "Start brand-only notes" => "Завести внутренние заметки бренда",
        "Still due" => "К оплате",
        "Still opening this browser's other partnerships…" => {
            "Ещё открываем другие партнёрства этого браузера…"
        }
        "Still opening {0}…" => "Ещё открываем: {0}…",
        "Submit a draft" => "Сдать черновик",
        "Submit draft" => "Сдать черновик",
        "The brand" => "Бренд",
        "The brand reports, as the agreement says." => {
            "Отчитывается бренд, как сказано в договоре."
        }
        "The brand's notes cannot be opened: {0}." => "Не удалось открыть заметки бренда: {0}.",
        "The creator" => "Автор",
        "The creator reports, as the agreement says." => {
            "Отчитывается автор, как сказано в договоре."
        }
        "The links could not be loaded: {0}." => "Не удалось загрузить ссылки: {0}.",
        "The notes could not be started: {0}." => "Не удалось завести заметки: {0}.",
        "The partnership itself is not in this browser yet: open the link to it that you were sent (or ask the owner for one). The notes then show under each deliverable." => {
            "Самого партнёрства в этом браузере пока нет: откройте присланную ссылку на него (или попросите её у владельца). Тогда заметки появятся под каждым материалом."
        }
        "The partnership's owner keeps the brand-only notes; ask them for the link to the notes." => {
            "Внутренние заметки бренда ведёт владелец партнёрства: попросите у него ссылку на них."
        }
        "The rules Tandem checks, with their dates and sources" => {
            "Правила, которые проверяет Tandem, с датами и источниками"
        }
        "These are the brand's internal notes on this partnership's deliverables. The creator's side never receives them." => {
            "Это внутренние заметки бренда о материалах партнёрства. Сторона автора их никогда не получает."
        }
        "This week" => "На этой неделе",
        "Time" => "Время",
        "Time zone" => "Часовой пояс",
        "Until" => "По",
        "Usage rights end" => "Права на использование до",
        "Waiting for review" => "Ждёт проверки",
        "What it is for" => "За что",
        "Who reports is not agreed yet: set it in the agreement." => {
            "Кто отчитывается, ещё не согласовано: укажите это в договоре."
        }
        "Who reports placements to the ad registry" => {
            "Кто отчитывается о размещениях в реестр рекламы"
        }
        "Whose calendar (optional)" => "Чей календарь (необязательно)",
        "My work calendar" => "Мой рабочий календарь",
        "Subscribe in your calendar app" => "Подписаться в приложении-календаре",
        "Calendar feed" => "Подписка на календарь",
        " — add this address to your calendar app now; it is shown only once." => {
            " — добавьте этот адрес в приложение-календарь сейчас: он показывается только один раз."
        }
        "The calendar address" => "Адрес календаря",
        "Copy the calendar address" => "Скопировать адрес календаря",
        "Open in your calendar app" => "Открыть в приложении-календаре",
        "The calendar feed could not be made: {0}." => {
            "Не удалось создать подписку на календарь: {0}."
        }
        "The calendar feed could not be revoked: {0}." => {
            "Не удалось отозвать подписку на календарь: {0}."
        }
        "The calendar feeds could not be loaded: " => {
            "Не удалось загрузить подписки на календарь: "
        }
        "No calendar feeds yet." => "Подписок на календарь пока нет.",
        "Revoke the calendar feed for {0}" => "Отозвать подписку на календарь для {0}",
        "Revoked" => "Отозвана",
        "Risks" => "Риски",
        "Roadmap" => "План",
        "Roadmap (Markdown)" => "План (Markdown)",
        "Roadmap — print / PDF" => "План — печать / PDF",
        "Role" => "Роль",
        "Running" => "Идёт",
        "Save" => "Сохранить",
        "Save both points of contact with their time zones to see when they can meet." => {
            "Сохраните оба контактных лица с часовыми поясами, чтобы увидеть, когда они могут встретиться."
        }
        "Save compensation" => "Сохранить вознаграждение",
        "Save contact" => "Сохранить контакт",
        "Save results" => "Сохранить результаты",
        "Saved" => "Сохранено",
        "Saved in this browser" => "Сохранено в этом браузере",
        "Saving…" => "Сохраняем…",
        "Say what didn't work (the cause and the effect can follow)." => {
            "Опишите, что не сработало (причину и последствие можно добавить позже)."
        }
        "Send a link to the people you work with. An editor can change everything; a viewer sees it live but cannot change anything. " => {
            "Отправьте ссылку тем, с кем работаете. Редактор может менять всё; читатель видит изменения вживую, но ничего не меняет. "
        }
        "Share this partnership" => "Поделиться партнёрством",
        "Side" => "Сторона",
        "Skip to content" => "Перейти к содержимому",
        "Someone" => "Кто-то",
        "Someone without a name (editor {0})" => "Кто-то без имени (редактор {0})",
        "Start one: the roadmap, the markets and the quarters you plan together." => {
            "Создайте первое партнёрство: общий план по рынкам и кварталам."
        }
        "Starts" => "Начало",
        "Statement of work" => "Техзадание",
        "Status" => "Статус",
        "Syncing {0}…" => "Синхронизируется: {0}…",
        "Tandem cannot open this browser's storage: {0}. Nothing was changed. Check that the browser allows site data, then reload." => {
            "Tandem не может открыть хранилище браузера: {0}. Ничего не изменено. Проверьте, что браузер разрешает сайтам хранить данные, и перезагрузите страницу."
        }
        "Target" => "Цель",
        "Term and checkpoints" => "Срок и контрольные точки",
        "Term ends" => "Договор заканчивается",
        "Term starts" => "Договор начинается",
        "Territory" => "Территория",
        "That is not a Tandem link or recovery key: paste the whole link you were sent." => {
            "Это не ссылка Tandem и не ключ восстановления: вставьте присланную ссылку целиком."
        }
        "The browser said: {0}" => "Ответ браузера: {0}",
        "The earlier text cannot be shown." => "Прежний текст показать нельзя.",
        "The experiments for the next quarter" => "Эксперименты на следующий квартал",
        "The expiry must be a date from today on." => "Срок действия — дата не раньше сегодняшней.",
        "The file could not be saved: " => "Не удалось сохранить файл: ",
        "The larger goal" => "Общая цель",
        "The link could not be made: {0}." => "Не удалось создать ссылку: {0}.",
        "The link could not be revoked: {0}." => "Не удалось отозвать ссылку: {0}.",
        "The link could not be used: {0}." => "Ссылкой не удалось воспользоваться: {0}.",
        "The link to send" => "Ссылка для отправки",
        "The links could not be loaded: " => "Не удалось загрузить ссылки: ",
        "The next two weeks, in your time zone ({0}), with each side's local time." => {
            "Ближайшие две недели в вашем часовом поясе ({0}), с местным временем каждой стороны."
        }
        "The pack" => "Пакет обзора",
        "The relay does not give this browser access to this partnership." => {
            "Сервер не даёт этому браузеру доступа к этому партнёрству."
        }
        "The relay does not have it (or no longer shares it with this browser), so it could not be restored. If you exported it, import that file." => {
            "На сервере его нет (или он больше не открывает его этому браузеру), поэтому восстановить его не удалось. Если вы его экспортировали, импортируйте этот файл."
        }
        "The relay has every one of these edits, so they are also safe there." => {
            "Все эти правки уже есть на сервере, так что там они тоже в сохранности."
        }
        "The secret part of the link is after “#”: it never reaches a server log. Revoke a link and its sessions end at once." => {
            "Секретная часть ссылки стоит после «#»: она не попадает в журналы сервера. Отзовите ссылку — и её сеансы сразу закончатся."
        }
        "The target" => "Цель",
        "The threshold" => "Порог",
        "The working day must end after it starts ({0} – {1})." => {
            "Рабочий день должен заканчиваться позже, чем начинается ({0} – {1})."
        }
        "Their working hours never overlap: the least-bad hours are proposed for each day." => {
            "Их рабочие часы не пересекаются: для каждого дня предложены наименее неудобные часы."
        }
        "Theme and objectives" => "Тема и цели",
        "These edits have not reached the relay yet, so this tab holds the only copy." => {
            "Эти правки ещё не дошли до сервера: единственная их копия — в этой вкладке."
        }
        "This browser could not save your edits" => "Браузер не смог сохранить ваши правки",
        "This browser holds a partnership it cannot open: " => {
            "В этом браузере есть партнёрство, которое не удаётся открыть: "
        }
        "This browser's access to it has ended, so the relay cannot send it back." => {
            "Доступ этого браузера к нему закончился, поэтому сервер не может его вернуть."
        }
        "This browser's storage is full" => "Хранилище этого браузера заполнено",
        "This file cannot be imported: " => "Этот файл нельзя импортировать: ",
        "This link has expired." => "Срок действия ссылки истёк.",
        "This link has expired. Ask the person who sent it for a new one." => {
            "Срок действия ссылки истёк. Попросите у отправителя новую."
        }
        "This link is incomplete: the part after “#” is missing. Ask for the link again." => {
            "Ссылка неполная: нет части после «#». Попросите ссылку ещё раз."
        }
        "This link is not valid: check that it was copied whole, or ask for it again." => {
            "Ссылка недействительна: проверьте, что она скопирована целиком, или попросите её снова."
        }
        "This link was revoked by the partnership's owner." => {
            "Владелец партнёрства отозвал эту ссылку."
        }
        "This link was revoked. Ask the person who sent it for a new one." => {
            "Эта ссылка отозвана. Попросите у отправителя новую."
        }
        "This partnership cannot be opened: {0}." => "Это партнёрство не открывается: {0}.",
        "This partnership has no quarters." => "В этом партнёрстве нет кварталов.",
        "This partnership is not available to you: the relay does not have it, or this browser has no link to it. Open the link you were sent (or ask for one)." => {
            "Это партнёрство вам недоступно: его нет на сервере или у этого браузера нет ссылки на него. Откройте присланную ссылку (или попросите её)."
        }
        "This partnership is not in this browser." => "Этого партнёрства нет в этом браузере.",
        "This version cannot be opened: " => "Эту версию не удаётся открыть: ",
        "Threshold" => "Порог",
        "Time zone (IANA, such as Europe/Moscow)" => "Часовой пояс (IANA, например Europe/Moscow)",
        "Title" => "Название",
        "Trend" => "Динамика",
        "Try again" => "Попробовать снова",
        "Two-letter country codes, separated by commas: RU, US" => {
            "Двухбуквенные коды стран через запятую: RU, US"
        }
        "Type the name others should see." => "Введите имя, которое увидят другие.",
        "Unreadable partnership" => "Нечитаемое партнёрство",
        "Usage rights" => "Права на использование",
        "Value" => "Значение",
        "Verdict" => "Решение",
        "View as it was after this" => "Посмотреть, как было после этого",
        "View only: you see the other side's edits live, but cannot change anything." => {
            "Только просмотр: вы видите правки другой стороны вживую, но ничего не можете изменить."
        }
        "Viewer — can only read" => "Читатель — только чтение",
        "We continue in a market while each of its KPIs meets its threshold: rates and returns at or above it, costs (CPM, CPE, CPC, CPA) at or below it. Rates are in percent; costs in the currency of the costs entered." => {
            "Продолжаем на рынке, пока каждый его KPI укладывается в порог: доли и отдача — не ниже порога, затраты (CPM, CPE, CPC, CPA) — не выше. Доли — в процентах, затраты — в валюте введённых затрат."
        }
        "What changed" => "Что изменилось",
        "What could go wrong" => "Что может пойти не так",
        "What didn't work" => "Что не сработало",
        "What happened this quarter, beyond the numbers" => "Что произошло в квартале, помимо цифр",
        "What the brand asks of the creator" => "О чём бренд просит автора",
        "What the brand commits to" => "Что бренд обязуется сделать",
        "What the creator asks of the brand" => "О чём автор просит бренд",
        "What the creator commits to" => "Что автор обязуется сделать",
        "What the next campaign in this market should know" => {
            "Что стоит знать следующей кампании на этом рынке"
        }
        "What this partnership is for, in a sentence both sides agree on" => {
            "Зачем это партнёрство — одной фразой, с которой согласны обе стороны"
        }
        "What this quarter is about and what we aim for" => {
            "О чём этот квартал и чего мы хотим достичь"
        }
        "What to keep doing" => "Что продолжать делать",
        "What we aim for next quarter" => "Чего мы хотим достичь в следующем квартале",
        "What we learned" => "Что мы узнали",
        "What we try next" => "Что пробуем дальше",
        "What will be done" => "Что будет сделано",
        "What worked" => "Что сработало",
        "What worked, what didn't" => "Что сработало, а что нет",
        "What you discussed" => "Что обсудили",
        "When both can meet" => "Когда оба могут встретиться",
        "Whole partnership (.automerge)" => "Партнёрство целиком (.automerge)",
        "Wins" => "Победы",
        "Working day ends" => "Рабочий день заканчивается",
        "Working day starts" => "Рабочий день начинается",
        "You appear as" => "Другие видят вас как",
        "You can edit this partnership" => "Вы можете редактировать это партнёрство",
        "You can view this partnership" => "Вы можете просматривать это партнёрство",
        "You own this partnership" => "Вы владелец этого партнёрства",
        "Your latest edits to {0} are kept in this tab but are not saved in this browser yet. Tandem tries again with each edit and every 5 seconds." => {
            "Последние правки в партнёрстве {0} хранятся в этой вкладке, но в браузере ещё не сохранены. Tandem пробует снова при каждой правке и каждые 5 секунд."
        }
        "Your name, as others see it" => "Ваше имя, как его видят другие",
        "Your partnerships" => "Ваши партнёрства",
        "a conversion needs the date of its rate" => "для пересчёта нужна дата курса",
        "a rule needs the day it starts" => "у правила должна быть дата начала",
        "agreement and {0} SOW" => "договор и техзадание {0}",
        "and {0} more in the Debriefs tab" => "и ещё {0} на вкладке «Разборы»",
        "brand" => "бренд",
        "by {0}, {1}" => "{0}, {1}",
        "calendar" => "календарь",
        "choose a time zone from the list" => "выберите часовой пояс из списка",
        "choose the day of the meeting first" => "сначала выберите день встречи",
        "clicks" => "клики",
        "conversions" => "конверсии",
        "cost" => "затраты",
        "creator" => "автор",
        "debriefed" => "разбор написан",
        "due {0}" => "срок {0}",
        "e.g. 50% on signing, 50% after the last post" => {
            "например, 50 % при подписании, 50 % после последней публикации"
        }
        "e.g. Masha Petrova" => "например, Маша Петрова",
        "e.g. Northwind Coffee" => "например, «Кофе Норд»",
        "e.g. Spring drop" => "например, Весенний дроп",
        "e.g. within 14 days of invoice; outside platforms for RU" => {
            "например, в течение 14 дней после счёта; для RU — вне площадок"
        }
        "editor" => "редактор",
        "engagements" => "вовлечения",
        "erid token" => "токен erid",
        "exclusivity period (months)" => "срок эксклюзивности (месяцев)",
        "followers" => "подписчики",
        "healthy" => "всё в порядке",
        "https://…/join#…" => "https://…/join#…",
        "impressions" => "показы",
        "impressions are a whole number" => "показы — целое число",
        "its id is not a Tandem document id" => {
            "его идентификатор не похож на идентификатор документа Tandem"
        }
        "link expired" => "ссылка истекла",
        "link revoked" => "ссылка отозвана",
        "months between checkpoints" => "месяцев между контрольными точками",
        "network error" => "ошибка сети",
        "new since your last visit" => "новое с вашего прошлого визита",
        "no data" => "нет данных",
        "no results yet" => "результатов пока нет",
        "not enough data" => "недостаточно данных",
        "not shared" => "нет доступа",
        "not yet on the relay" => "ещё не на сервере",
        "paid on {0}" => "оплачен {0}",
        "partnership" => "партнёрство",
        "partnerships, kept together" => "партнёрства, которые ведут вместе",
        "reach" => "охват",
        "renewal notice (days)" => "уведомление о продлении (дней)",
        "revenue" => "выручка",
        "roadmap" => "план",
        "termination notice (days)" => "уведомление о расторжении (дней)",
        "the amount" => "сумма",
        "the audience" => "аудитория",
        "the budget" => "бюджет",
        "the cadence is a whole number of days" => "периодичность — целое число дней",
        "the count" => "количество",
        "the count is too large" => "количество слишком велико",
        "the file could not be read" => "файл не удалось прочитать",
        "the file could not be saved: {0}" => "файл не удалось сохранить: {0}",
        "the number" => "число",
        "the number is too large" => "число слишком велико",
        "the number of quarters must be a whole number from 1 to {0}" => {
            "число кварталов — целое число от 1 до {0}"
        }
        "the percent" => "процент",
        "the rate" => "курс",
        "the relay answered {0}" => "сервер ответил {0}",
        "the relay cannot be reached ({0})" => "сервер недоступен ({0})",
        "this partnership has no markets" => "в этом партнёрстве нет рынков",
        "this partnership has no quarters" => "в этом партнёрстве нет кварталов",
        "this partnership is not stored here" => "это партнёрство здесь не хранится",
        "this partnership is not stored in this browser" => {
            "это партнёрство не хранится в этом браузере"
        }
        "view only" => "только просмотр",
        "viewer" => "читатель",
        "you can read this partnership but not change it" => {
            "вы можете читать это партнёрство, но не менять его"
        }
        "you can read this partnership but not change it, so a copy cannot be merged into it" => {
            "вы можете читать это партнёрство, но не менять его, поэтому копию нельзя с ним объединить"
        }
        "{0} ({1}) in {2}, campaign over campaign; threshold {3}." => {
            "{0} ({1}), {2}, по кампаниям; порог {3}."
        }
        "{0} is too large" => "{0}: слишком большое значение",
        "{0} must be a number, not “{1}”" => "{0}: нужно число, а не «{1}»",
        "{0} must be a whole number, not “{1}”" => "{0}: нужно целое число, а не «{1}»",
        "{0} not yet on the relay" => "{0} ещё не на сервере",
        "{0} of {1}" => "{0} из {1}",
        "{0} per campaign in {1}" => "{0} по кампаниям, {1}",
        "{0} was no longer in this browser's storage: the browser cleared or evicted it." => {
            "Партнёрства {0} больше нет в хранилище этого браузера: браузер очистил или вытеснил его."
        }
        "{0}, {1}" => "{0}, {1}",
        "{0}: from" => "{0}: с",
        "{0}: until" => "{0}: по",
        "{0}: {1}" => "{0}: {1}",
        "{0}: {1} in {2}" => "{0}: {1} ({2})",
        "{0}: {1} now" => "{0}: сейчас {1}",
        "{0}: “{1}” is not an amount: write it like 1234.50" => {
            "{0}: «{1}» — не сумма: пишите как 1234,50"
        }
        "“{0}” is not a currency code: use three letters, such as RUB or USD" => {
            "«{0}» — не код валюты: нужны три буквы, например RUB или USD"
        }
        "“{0}” is not a date: write it as 2027-03-31" => {
            "«{0}» — не дата: пишите как 2027-03-31"
        }
        "“{0}” is not a list of markets: use two-letter country codes separated by commas, such as RU, US" => {
            "«{0}» — не список рынков: укажите двухбуквенные коды стран через запятую, например RU, US"
        }
        "“{0}” is not a partnership link." => "«{0}» — не ссылка на партнёрство.",
        "“{0}” is not a quarter: write it like 2027-Q1" => {
            "«{0}» — не квартал: пишите как 2027-Q1"
        }
        "“{0}” is not a time of day: write it like 09:00." => {
            "«{0}» — не время суток: пишите как 09:00."
        }
        "“{0}” is not an IANA time zone: write it like Europe/Moscow or America/New_York." => {
            "«{0}» — не часовой пояс IANA: пишите как Europe/Moscow или America/New_York."
        }
        "○ Connecting…" => "○ Подключаемся…",
        "○ Offline — edits are kept in this browser" => {
            "○ Нет связи — правки хранятся в этом браузере"
        }
        "○ Offline — retrying in {0} s" => "○ Нет связи — повтор через {0} с",
        "● Connected" => "● Подключено",
        // --- Link safety (issue #16): the sync-server setting, the join page, import ---
        "A sync server's address starts with {0} or {1}, such as {2}." => {
            "Адрес сервера синхронизации начинается с {0} или {1}, например {2}."
        }
        "Anyone who can reach it and knows a partnership's id can read and change it. Roles, links and revoking do not apply there, and this browser sends it no credential." => {
            "Любой, кто может до него достучаться и знает идентификатор партнёрства, может его прочитать и изменить. Роли, ссылки и отзыв там не действуют, и этот браузер не отправляет ему никаких учётных данных."
        }
        "Checking the link…" => "Проверяем ссылку…",
        "Creator" => "Автор",
        "Imported as a new partnership with its own id: the file names a partnership this browser does not hold, so nothing was merged into any existing copy." => {
            "Импортировано как новое партнёрство со своим идентификатором: файл называет партнёрство, которого нет в этом браузере, поэтому ни в одну существующую копию ничего не влито."
        }
        "Imported as a new partnership with its own id: the file names a partnership you have, but its history did not begin there, so it was not merged into yours." => {
            "Импортировано как новое партнёрство со своим идентификатором: файл называет ваше партнёрство, но его история началась не там, поэтому в ваше оно не влито."
        }
        "Join" => "Присоединиться",
        "Join a partnership?" => "Присоединиться к партнёрству?",
        "Made for" => "Для кого",
        "Not now" => "Не сейчас",
        "Owner — a recovery key: full control, including links" => {
            "Владелец — ключ восстановления: полный доступ, включая ссылки"
        }
        "Partnerships not in this browser yet, to ask that server for (ids, optional)" => {
            "Партнёрства, которых ещё нет в этом браузере, — запросить у этого сервера (идентификаторы, необязательно)"
        }
        "Partnerships to share with it" => "Какие партнёрства ему передать",
        "Pick at least one partnership to share with that server." => {
            "Выберите хотя бы одно партнёрство, которое передать этому серверу."
        }
        "Relay" => "Сервер",
        "Return to this Tandem relay" => "Вернуться на этот сервер Tandem",
        "Review what will be shared" => "Посмотреть, что будет передано",
        "Server address" => "Адрес сервера",
        "Share these with {0}" => "Передать их на {0}",
        "Someone sent you a link to a partnership. Nothing happens until you choose to join: then it is added to this browser and kept in sync with the relay below, and the people in it see your name." => {
            "Вам прислали ссылку на партнёрство. Пока вы не решите присоединиться, ничего не происходит; после этого оно появится в этом браузере и будет синхронизироваться с указанным ниже сервером, а его участники увидят ваше имя."
        }
        "Still asking this Tandem relay which servers it allows; try again in a moment." => {
            "Ещё спрашиваем у этого сервера Tandem, какие серверы он разрешает; попробуйте через мгновение."
        }
        "Sync server" => "Сервер синхронизации",
        "Sync with {0}?" => "Синхронизировать с {0}?",
        "That address names no server: check it and try again." => {
            "В этом адресе нет сервера: проверьте его и попробуйте снова."
        }
        "The address you opened asks this browser to sync with another server. Nothing has been sent to it. Use it only if you trust it and expected this." => {
            "Открытый вами адрес просит этот браузер синхронизироваться с другим сервером. Ему ничего не отправлено. Соглашайтесь, только если доверяете ему и ждали этого."
        }
        "Their side" => "Их сторона",
        "This Tandem relay could not say which servers it allows ({0}). Nothing was sent." => {
            "Сервер Tandem не смог сообщить, какие серверы он разрешает ({0}). Ничего не отправлено."
        }
        "This Tandem relay does not allow the app to connect to {0}, so it cannot be used. Its operator can allow it with {1}. Nothing was sent." => {
            "Этот сервер Tandem не разрешает приложению подключаться к {0}, поэтому его нельзя использовать. Администратор может разрешить его параметром {1}. Ничего не отправлено."
        }
        "This browser syncs with this Tandem relay ({0}), which checks who may see and change each partnership." => {
            "Этот браузер синхронизируется с этим сервером Tandem ({0}); он проверяет, кто может видеть и менять каждое партнёрство."
        }
        "This browser syncs with {0}: another automerge-repo server, without access control, sharing {1} partnership(s) you picked." => {
            "Этот браузер синхронизируется с {0} — другим сервером Automerge без контроля доступа; ему передаются выбранные вами партнёрства: {1}."
        }
        "This server has no access control." => "У этого сервера нет контроля доступа.",
        "Use another automerge-repo server" => "Использовать другой сервер Automerge",
        "What will be shared: everything in these partnerships — every field and their whole edit history:" => {
            "Что будет передано: всё в этих партнёрствах — каждое поле и вся история правок:"
        }
        "Your name, as the others in it will see it" => "Ваше имя, каким его увидят участники",
        "Your other partnerships are not offered to it. They stay in this browser and sync with this Tandem relay again when you return to it. Nothing has been sent yet." => {
            "Остальные ваши партнёрства ему не предлагаются. Они остаются в этом браузере и снова синхронизируются с этим сервером Tandem, когда вы на него вернётесь. Пока ничего не отправлено."
        }
        "Your role" => "Ваша роль",
        "Your side" => "Ваша сторона",
        "partnership {0} (asked of that server)" => "партнёрство {0} (запрошено у этого сервера)",
        "the relay cannot be reached" => "сервер недоступен",
        "the relay's answer could not be read" => "ответ сервера не удалось прочитать",
        "“{0}” is not a partnership id." => "«{0}» — не идентификатор партнёрства.",
        // Forms: saved at the field, messages under it, Undo (issue 16).
        "Check-in removed" => "Встреча удалена",
        "Default: {0}" => "По умолчанию: {0}",
        "Deliverable removed" => "Материал удалён",
        "Each field is saved when you leave it." => {
            "Каждое поле сохраняется, когда вы из него выходите."
        }
        "Empty: no exclusivity period" => "Пусто — без срока эксклюзивности",
        "Issue removed" => "Проблема удалена",
        "KPI removed" => "KPI удалён",
        "Removed “{0}”" => "Удалено: «{0}»",
        "Some of what you typed is not saved yet: a value that was refused (see the message under it) or a new item not added yet. Leave anyway and lose it?" => {
            "Часть введённого ещё не сохранена: значение, которое не принято (см. сообщение под полем), или новая запись, которую ещё не добавили. Всё равно уйти и потерять это?"
        }
        "Undo" => "Отменить",
        "Made by" => "Кто создал",
        "Not added yet: kept in this browser until you add it." => {
            "Ещё не добавлено: хранится в этом браузере, пока вы не добавите."
        }
        "you, in this browser" => "вы, в этом браузере",
        "another owner's device" => "другое устройство владельца",
        "a recovery key" => "ключ восстановления",
        "{0}, through {1}" => "{0}, через {1}",
        "Win removed" => "Победа удалена",
        "a conversion needs its rate" => "для пересчёта нужен курс",
        "the cadence" => "периодичность встреч",
        "{0} is {1} to {2}, not {3}" => "{0}: от {1} до {2}, а не {3}",
        "Overview" => "Сводка",
        "Setting up this partnership" => "Настройка партнёрства",
        "{0} of {1} done" => "Сделано {0} из {1}",
        "(done)" => "(сделано)",
        "(to do)" => "(нужно сделать)",
        "Where it stands" => "Где мы сейчас",
        "No larger goal written yet." => "Общая цель ещё не записана.",
        "Now: {0}" => "Сейчас: {0}",
        "Untitled campaign" => "Кампания без названия",
        "No campaigns planned this quarter." => "На этот квартал кампаний не запланировано.",
        "Plan them on the roadmap" => "Добавить в план",
        "Verdict per market" => "Решение по рынкам",
        "Coming up" => "Ближайшие сроки",
        "Nothing dated yet: set the agreement's term and the deliverables' dates." => {
            "Сроков пока нет: укажите срок договора и даты публикаций."
        }
        "overdue" => "просрочено",
        "Relationship" => "Отношения",
        "Open actions from reviews" => "Открытые задачи по итогам обзоров",
        "None open." => "Открытых нет.",
        "Action item" => "Задача",
        "and {0} more" => "и ещё {0}",
        "Latest win" => "Последняя победа",
        "No wins yet." => "Побед пока нет.",
        "Set your name, so others know who is editing" => {
            "Укажите своё имя, чтобы другие видели, кто редактирует"
        }
        "Next quarter: {0}" => "Следующий квартал: {0}",
        "Timeline" => "Шкала времени",
        "{0}, no dates yet" => "{0}, даты ещё не указаны",
        "Add a campaign" => "Добавить кампанию",
        "(past quarter)" => "(прошедший квартал)",
        "Next:" => "Ближайшее:",
        "Edit" => "Изменить",
        "Results per campaign and market" => "Результаты по кампаниям и рынкам",
        "Close" => "Закрыть",
        "(the owner sends the link)" => "(ссылку отправляет владелец)",
        _ => return None,
    })
}
