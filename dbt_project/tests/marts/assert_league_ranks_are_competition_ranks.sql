-- League ranks follow competition ranking: a trust's rank is 1 + the number of trusts in its table
-- that sort strictly before it (lower adjusted segment, or same segment and lower average score).
select league.*
from {{ ref('fct_league_table') }} as league
where league.league_rank <> 1 + (
        select count(*)
        from {{ ref('fct_league_table') }} as other
        where other.peer_group = league.peer_group
            and other.period_start = league.period_start
            and other.framework_version = league.framework_version
            and (
                other.adjusted_segment < league.adjusted_segment
                or (other.adjusted_segment = league.adjusted_segment and other.average_score < league.average_score)
            )
    )
