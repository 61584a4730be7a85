//! Russian for the fixed texts the domain writes: exports, print pages, warnings,
//! metric and status names (the English is the key; see [`super::Lang::text`]).

pub(super) fn text(en: &str) -> Option<&'static str> {
    Some(match en {
        " (within 5% of budget)" => " (в пределах 5 % от бюджета)",
        " — **{0} under budget**" => " — **на {0} меньше бюджета**",
        " — **{0} over budget**" => " — **на {0} больше бюджета**",
        " and " => " и ",
        "Action item" => "Задача",
        ", by {0}" => ", до {0}",
        "Action items from this review" => "Задачи по итогам этого обзора",
        "Agreement" => "Договор",
        "Approval" => "Согласование",
        "Asks and commitments" => "Просьбы и обязательства",
        "Brand (legal name)" => "Бренд (юридическое название)",
        "Budget {0}, spent {1}: {2}" => "Бюджет {0}, потрачено {1}: {2}",
        "Compensation" => "Вознаграждение",
        "Continue/stop checkpoint" => "Контрольная точка «продолжать или нет»",
        "Converted" => "В пересчёте",
        "Creator (legal name)" => "Автор (юридическое название)",
        "ER by followers" => "ER по подписчикам",
        "ER by impressions" => "ER по показам",
        "ER by reach" => "ER по охвату",
        "Exclusivity" => "Эксклюзивность",
        "From {0}:" => "Из обзора {0}:",
        "KPI scorecard" => "Оценка KPI",
        "Kill fee" => "Неустойка за отмену",
        "Last review's action items" => "Задачи с прошлого обзора",
        "Markets: {0}" => "Рынки: {0}",
        "Next quarter's objectives" => "Цели следующего квартала",
        "No KPIs set." => "KPI не заданы.",
        "No action items from an earlier review." => "С прошлых обзоров задач нет.",
        "No budget set for this quarter." => "Бюджет на этот квартал не задан.",
        "No campaigns planned." => "Кампаний не запланировано.",
        "No deliverables yet." => "Материалов пока нет.",
        "None recorded." => "Не записано.",
        "Not counted (another currency): {0}" => "Не учтено (другая валюта): {0}",
        "Not written yet." => "Пока не написано.",
        "On the roadmap" => "По плану",
        "Payment split" => "График оплаты",
        "Payment terms" => "Условия оплаты",
        "Quarter recap" => "Итоги квартала",
        "Renewal" => "Продление",
        "Risks" => "Риски",
        "Spend against budget" => "Расходы и бюджет",
        "Statement of work, {0}" => "Техническое задание (SOW), {0}",
        "Term" => "Срок",
        "The larger goal" => "Общая цель",
        "Theme" => "Тема",
        "This paid post in Russia is live without {0}: Russian advertising law requires both." => {
            "Эта платная публикация в России вышла без {0}: закон о рекламе требует и то и другое."
        }
        "This quarter is not on the roadmap." => "Этого квартала нет в плане.",
        "Usage rights" => "Права на использование",
        "What we learned" => "Что мы узнали",
        "What we try next" => "Что пробуем дальше",
        "agreement and {0} statement of work" => "договор и техническое задание (SOW) на {0}",
        "amber" => "жёлтый",
        "an erid token" => "токена erid",
        "approved" => "согласован",
        "at {0} {1} per {2} on {3}" => "по курсу {0} {1} за {2} на {3}",
        "automatic" => "автоматическое",
        "by agreement" => "по договорённости",
        "conversion" => "конверсия",
        "done" => "завершена",
        "draft due {0} days before going live; {1} days to review; {2} revision rounds" => {
            "черновик за {0} дн. до публикации; {1} дн. на проверку; раундов правок: {2}"
        }
        "draft_submitted" => "черновик сдан",
        "every {0} months" => "раз в {0} мес.",
        "green" => "зелёный",
        "live" => "опубликован",
        "no" => "нет",
        "no data" => "нет данных",
        "not enough data" => "недостаточно данных",
        "planned" => "запланирована",
        "quarterly business review, {0}" => "квартальный обзор, {0}",
        "red" => "красный",
        "roadmap" => "план",
        "running" => "идёт",
        "the «Реклама» label" => "пометки «Реклама»",
        "yes" => "да",
        "{0} asks" => "{0} просит",
        "{0} campaign: {1} done, {2} running, {3} planned." => {
            "Кампаний: {0} (завершено {1}, идёт {2}, запланировано {3})."
        }
        "{0} campaigns: {1} done, {2} running, {3} planned." => {
            "Кампаний: {0} (завершено {1}, идёт {2}, запланировано {3})."
        }
        "{0} commits to" => "{0} обязуется",
        "{0} in {1} for {2}" => "{0}, территория: {1}, срок: {2}",
        "{0} months" => "{0} мес.",
        "{0}; notice {1} days; termination notice {2} days" => {
            "{0}; уведомление за {1} дн.; уведомление о расторжении за {2} дн."
        }
        "| Action | Owner | Due | Done |" => "| Задача | Ответственный | Срок | Выполнено |",
        "| Campaign | Market | Starts | Ends | Status |" => {
            "| Кампания | Рынок | Начало | Конец | Статус |"
        }
        "| Campaign | Market | Status |" => "| Кампания | Рынок | Статус |",
        "| Deliverable | Market | Count | Live | Owner | Status | Paid | erid |" => {
            "| Материал | Рынок | Кол-во | Публикация | Ответственный | Статус | Платный | erid |"
        }
        "| Market | KPI | Target | Actual | Variance | RAG |" => {
            "| Рынок | KPI | Цель | Факт | Отклонение | Статус |"
        }
        "| Risk | Owner | Due |" => "| Риск | Ответственный | Срок |",
        "the target" => "цель",
        "the threshold" => "порог",
        // KPI reasons (`kpi::NotEnoughData`, `verdict::Check::reason`).
        "followers" => "подписчики",
        "reach" => "охват",
        "impressions" => "показы",
        "engagements" => "вовлечения",
        "clicks" => "клики",
        "conversions" => "конверсии",
        "no results with {0} recorded" => "нет результатов с показателем «{0}»",
        "no results with cost and {0} recorded" => {
            "нет результатов с затратами и показателем «{0}»"
        }
        "no results with revenue and cost recorded" => "нет результатов с выручкой и затратами",
        "{0} is zero" => "показатель «{0}» равен нулю",
        "cost is zero" => "затраты равны нулю",
        "revenue is in {0} and cost in {1}: record a conversion" => {
            "выручка в {0}, а затраты в {1}: укажите курс пересчёта"
        }
        "costs are in {0} and {1}: record them in one currency" => {
            "затраты в {0} и {1}: укажите их в одной валюте"
        }
        "the amounts are too large" => "суммы слишком велики",
        "no amounts recorded" => "суммы не записаны",
        "the figures are out of range" => "значения вне допустимого диапазона",
        "campaign {0} has no cost" => "у кампании {0} не указаны затраты",
        "campaign {0} is costed in {1} but earlier costs in {2}" => {
            "затраты кампании {0} в {1}, а предыдущих — в {2}"
        }
        "no costs" => "затрат нет",
        "not enough data: {0}" => "недостаточно данных: {0}",
        "no KPIs set for {0}" => "не заданы KPI для рынка {0}",
        "continue" => "продолжаем",
        "review" => "пересматриваем",
        "stop" => "останавливаем",
        "engagements ÷ followers × 100" => "вовлечения ÷ подписчики × 100",
        "engagements ÷ reach × 100" => "вовлечения ÷ охват × 100",
        "engagements ÷ impressions × 100" => "вовлечения ÷ показы × 100",
        "cost ÷ impressions × 1000" => "затраты ÷ показы × 1000",
        "cost ÷ engagements" => "затраты ÷ вовлечения",
        "cost ÷ clicks" => "затраты ÷ клики",
        "cost ÷ conversions" => "затраты ÷ конверсии",
        "conversions ÷ clicks × 100" => "конверсии ÷ клики × 100",
        "revenue ÷ cost" => "выручка ÷ затраты",
        "(revenue − cost) ÷ cost × 100" => "(выручка − затраты) ÷ затраты × 100",
        "The renewal notice window opens" => "Открывается окно для уведомления о продлении",
        "Last day to give notice of non-renewal" => "Последний день, чтобы уведомить о непродлении",
        "The agreement's term ends" => "Заканчивается срок договора",
        "The usage rights end" => "Заканчиваются права на использование",
        "Live" => "Публикация",
        "Draft due" => "Срок черновика",
        "Review of the draft due" => "Срок проверки черновика",
        "Payment due" => "Срок оплаты",
        "Next check-in" => "Следующая встреча",
        "Quarterly review {0}" => "Квартальный обзор {0}",
        "Owner" => "Ответственный",
        "Payments" => "Оплаты",
        "No payments recorded for this quarter." => "Платежей за этот квартал нет.",
        "Paid {0} · due {1} · late {2}" => "Оплачено {0} · к оплате {1} · просрочено {2}",
        "Published over the compliance gate" => "Опубликовано вопреки проверке требований",
        "Registry report due" => "Срок отчёта в реестр рекламы",
        "reported" => "отчёт сдан",
        _ => return None,
    })
}
